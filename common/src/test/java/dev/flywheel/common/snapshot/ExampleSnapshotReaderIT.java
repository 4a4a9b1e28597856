package dev.flywheel.common.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.events.ExampleSource;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.PartitionRange;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.TopicEnsurer;
import dev.flywheel.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedInfraExtension.class)
@Timeout(120)
class ExampleSnapshotReaderIT {

  private final EmbeddedInfra infra;
  private SchemaRegistryClient registry;
  private Topic<String, LabeledExample> examples;
  private KafkaProducer<String, LabeledExample> producer;
  private ExampleSnapshotReader reader;

  ExampleSnapshotReaderIT(EmbeddedInfra infra) {
    this.infra = infra;
  }

  @BeforeEach
  void setUp() {
    registry = SchemaRegistryClient.create(infra.registryUrl());
    Topics topics = Topics.create(infra.newTopicPrefix(), registry);
    examples = topics.examples();
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
      TopicEnsurer.ensure(admin, topics, (short) 1);
    }
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                "snapshot-it-" + UUID.randomUUID()),
            examples.keySerde().serializer(),
            examples.valueSerde().serializer());
    producer.initTransactions();
    reader =
        ExampleSnapshotReader.create(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "ignored"),
            examples.valueSerde().deserializer(),
            Duration.ofSeconds(30));
  }

  @AfterEach
  void tearDown() {
    reader.close();
    producer.close();
    registry.close();
  }

  private static LabeledExample example(String id, String model, String label, boolean holdout) {
    return LabeledExample.newBuilder()
        .setExampleId(id)
        .setModel(model)
        .setText("text " + id)
        .setLabel(label)
        .setSource(ExampleSource.SUBMITTED)
        .setHoldout(holdout)
        .setTimestamp(Instant.now())
        .build();
  }

  private void commit(LabeledExample... values) {
    producer.beginTransaction();
    for (LabeledExample value : values) {
      producer.send(new ProducerRecord<>(examples.name(), value.getExampleId(), value));
    }
    producer.commitTransaction();
  }

  @Test
  void shouldSnapshotOneModelsCommittedExamplesAndReplayThemExactly() {
    commit(
        example("a", "m", "animal", false),
        example("b", "m", "plant", false),
        example("c", "m", "animal", true),
        example("o", "other", "animal", false),
        example("d", "m", "plant", false));
    commit(example("a", "m", "plant", false)); // relabel wins
    producer.beginTransaction();
    producer.send(new ProducerRecord<>(examples.name(), "z", example("z", "m", "animal", false)));
    producer.abortTransaction(); // never visible
    producer.beginTransaction();
    producer.send(new ProducerRecord<>(examples.name(), "d", null)); // tombstone
    producer.commitTransaction();

    ExampleSnapshot first = reader.take(examples.name(), "m");

    assertThat(first.training()).extracting(LabeledExample::getExampleId).containsExactly("a", "b");
    assertThat(first.training()).extracting(LabeledExample::getLabel).containsOnly("plant");
    assertThat(first.holdout()).extracting(LabeledExample::getExampleId).containsExactly("c");
    assertThat(first.snapshot().getCountsPerLabel()).isEqualTo(Map.of("plant", 2L));
    assertThat(first.snapshot().getTopic()).isEqualTo(examples.name());
    assertThat(first.snapshot().getRanges())
        .extracting(PartitionRange::getPartition)
        .containsExactly(0, 1, 2);
    long recorded =
        first.snapshot().getRanges().stream().mapToLong(PartitionRange::getEndOffset).sum();
    assertThat(recorded).as("8 records plus transaction markers").isGreaterThan(8);

    commit(example("b", "m", "animal", false), example("e", "m", "animal", false));

    ExampleSnapshot replay = reader.readUpTo(first.snapshot(), "m");
    ExampleSnapshot second = reader.take(examples.name(), "m");

    assertThat(replay.training()).isEqualTo(first.training());
    assertThat(replay.holdout()).isEqualTo(first.holdout());
    assertThat(replay.snapshot()).isEqualTo(first.snapshot());
    assertThat(second.training())
        .extracting(LabeledExample::getExampleId)
        .containsExactly("a", "b", "e");
    assertThat(second.snapshot().getCountsPerLabel()).isEqualTo(Map.of("plant", 1L, "animal", 2L));
  }

  @Test
  void shouldTakeAnEmptySnapshotOfAnEmptyTopic() {
    ExampleSnapshot snapshot = reader.take(examples.name(), "m");

    assertThat(snapshot.training()).isEmpty();
    assertThat(snapshot.holdout()).isEmpty();
    assertThat(snapshot.snapshot().getRanges()).allMatch(r -> r.getEndOffset() == 0);
  }
}
