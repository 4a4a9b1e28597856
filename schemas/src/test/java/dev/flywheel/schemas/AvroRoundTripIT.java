package dev.flywheel.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.events.LabeledExample;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every event through the real registry over HTTP and the real broker, and the bytes on disk. */
@ExtendWith(EmbeddedInfraExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AvroRoundTripIT {
  private final EmbeddedInfra infra;
  private SchemaRegistryClient registry;
  private Topics topics;

  AvroRoundTripIT(EmbeddedInfra infra) {
    this.infra = infra;
  }

  @BeforeEach
  void createTopics() {
    registry = SchemaRegistryClient.create(infra.registryUrl());
    topics = Topics.create(infra.newTopicPrefix(), registry);
    try (Admin admin = KafkaClients.admin(infra)) {
      TopicEnsurer.ensure(admin, topics, (short) 1);
    }
  }

  @AfterEach
  void closeRegistry() {
    registry.close();
  }

  @Test
  void shouldRoundTripEveryEventFullAndMinimalThroughRegistryAndBroker() {
    List<SampleEvents.Sample<?>> full = SampleEvents.full();
    List<SpecificRecord> minimal = SampleEvents.minimal();
    Map<String, Serializer<SpecificRecord>> serializers = new HashMap<>();
    Map<String, Deserializer<? extends SpecificRecord>> deserializers = new HashMap<>();
    List<TopicPartition> partitions = new ArrayList<>();
    // The consumer side is another process: its own registry client must fetch writer schemas.
    try (SchemaRegistryClient consumerRegistry = SchemaRegistryClient.create(infra.registryUrl())) {
      for (SampleEvents.Sample<?> sample : full) {
        Topic<String, ? extends SpecificRecord> topic = sample.topic().apply(topics);
        serializers.put(topic.name(), new AvroSerializer<>(registry));
        deserializers.put(
            topic.name(), new AvroDeserializer<>(consumerRegistry, topic.valueClass()));
        for (int p = 0; p < topic.partitions(); p++) {
          partitions.add(new TopicPartition(topic.name(), p));
        }
      }
      // Kafka calls the serdes of each topic, through one producer and one consumer.
      Serializer<SpecificRecord> byTopic = (t, v) -> serializers.get(t).serialize(t, v);
      Deserializer<SpecificRecord> fromTopic = (t, b) -> deserializers.get(t).deserialize(t, b);
      try (KafkaProducer<String, SpecificRecord> producer =
          KafkaClients.producer(infra, new StringSerializer(), byTopic)) {
        for (int i = 0; i < full.size(); i++) {
          String topic = full.get(i).topic().apply(topics).name();
          producer.send(new ProducerRecord<>(topic, full.get(i).key(), full.get(i).value()));
          producer.send(new ProducerRecord<>(topic, full.get(i).key(), minimal.get(i)));
        }
        producer.flush();
      }
      List<ConsumerRecord<String, SpecificRecord>> read =
          KafkaClients.readAll(
              infra, partitions, new StringDeserializer(), fromTopic, 2 * full.size());

      for (int i = 0; i < full.size(); i++) {
        String topic = full.get(i).topic().apply(topics).name();
        assertThat(read.stream().filter(r -> r.topic().equals(topic)))
            .as(topic)
            .extracting(ConsumerRecord::key, ConsumerRecord::value)
            .containsExactly(
                tuple(full.get(i).key(), full.get(i).value()),
                tuple(full.get(i).key(), minimal.get(i)));
      }
    }
    assertThat(registry.subjects())
        .containsAll(
            full.stream().map(s -> Subjects.value(s.topic().apply(topics).name())).toList());
  }

  @Test
  void shouldStartProducedBytesWithMagicByteAndTheRegistryIdOfTheSchema() {
    Topic<String, FeedbackReceived> feedback = topics.feedback();
    try (KafkaProducer<String, FeedbackReceived> producer =
        KafkaClients.producer(
            infra, feedback.keySerde().serializer(), feedback.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(feedback.name(), "p-1", SampleEvents.feedbackReceived()));
      producer.flush();
    }
    List<ConsumerRecord<byte[], byte[]>> raw =
        KafkaClients.readAll(
            infra,
            feedback.name(),
            feedback.partitions(),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer(),
            1);
    byte[] bytes = raw.get(0).value();
    RegisteredSchema registered = registry.latest(Subjects.value(feedback.name())).orElseThrow();

    assertThat(bytes[0]).isEqualTo((byte) 0);
    assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(registered.id());
    assertThat(registered.schema()).isEqualTo(FeedbackReceived.getClassSchema());
    assertThat(registered.version()).isEqualTo(1);
  }

  @Test
  void shouldWriteTombstonesAsNull() {
    Topic<String, LabeledExample> examples = topics.examples();
    try (KafkaProducer<String, LabeledExample> producer =
        KafkaClients.producer(
            infra, examples.keySerde().serializer(), examples.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(examples.name(), "e-1", null));
      producer.flush();
    }
    List<ConsumerRecord<String, LabeledExample>> read =
        KafkaClients.readAll(
            infra,
            examples.name(),
            examples.partitions(),
            new StringDeserializer(),
            examples.valueSerde().deserializer(),
            1);
    assertThat(read.get(0).key()).isEqualTo("e-1");
    assertThat(read.get(0).value()).isNull();
  }
}
