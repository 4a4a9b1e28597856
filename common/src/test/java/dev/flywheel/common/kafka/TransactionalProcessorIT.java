package dev.flywheel.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.schemas.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedInfraExtension.class)
@Timeout(120)
class TransactionalProcessorIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

  private final EmbeddedInfra infra;
  private String input;
  private String output;
  private String deadLetters;
  private String transactionalId;
  private KafkaConsumer<byte[], byte[]> consumer;
  private KafkaProducer<byte[], byte[]> producer;
  private TransactionalProcessor processor;
  private final List<String> parked = new ArrayList<>();

  TransactionalProcessorIT(EmbeddedInfra infra) {
    this.infra = infra;
  }

  @BeforeEach
  void setUp() throws Exception {
    String prefix = infra.newTopicPrefix();
    input = prefix + "in";
    output = prefix + "out";
    deadLetters = prefix + "dlq";
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(input, 1, (short) 1),
                  new NewTopic(output, 1, (short) 1),
                  new NewTopic(deadLetters, 1, (short) 1)))
          .all()
          .get();
    }
    transactionalId = "processor-it-" + UUID.randomUUID();
    producer = transactionalProducer();
    producer.initTransactions();
    consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                infra.newGroupId(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    consumer.subscribe(List.of(input));
    processor =
        new TransactionalProcessor(
            producer,
            consumer,
            "test-service",
            deadLetters,
            Clock.fixed(NOW, ZoneOffset.UTC),
            Duration.ofMillis(10),
            (record, error) -> parked.add(text(record.value())));
  }

  @AfterEach
  void tearDown() {
    consumer.close();
    producer.close(Duration.ofSeconds(5));
  }

  @Test
  void shouldWriteEachOutcomeWithItsOffsetAndParkWhatCanNeverBeProcessed() throws Exception {
    send("a", "poison", "b");

    processUntil(() -> committedOffset() == 3, this::echo);

    assertThat(texts(readCommitted(output))).containsExactly("A", "B");
    List<ConsumerRecord<byte[], byte[]>> dead = readCommitted(deadLetters);
    assertThat(texts(dead)).containsExactly("poison");
    DeadLetters.DeadLetter header = DeadLetters.read(dead.get(0).headers()).orElseThrow();
    assertThat(header.service()).isEqualTo("test-service");
    assertThat(header.errorClass()).isEqualTo(SerializationException.class.getName());
    assertThat(header.errorMessage()).contains("cannot decode poison");
    assertThat(header.sourceOffset()).isEqualTo(1);
    assertThat(header.timestamp()).isEqualTo(NOW);
    assertThat(parked).containsExactly("poison");
  }

  @Test
  void shouldRewindAndRetryARecordWhoseTransactionFailedTransiently() throws Exception {
    send("a", "flaky", "b");
    List<String> seen = new ArrayList<>();
    TransactionalProcessor.RecordHandler failingOnce =
        record -> {
          String text = text(record.value());
          seen.add(text);
          if (text.equals("flaky") && seen.stream().filter("flaky"::equals).count() == 1) {
            throw new TimeoutException("broker busy");
          }
          echo(record);
        };

    processUntil(() -> committedOffset() == 3, failingOnce);

    assertThat(texts(readCommitted(output))).containsExactly("A", "FLAKY", "B");
    assertThat(seen).containsExactly("a", "flaky", "flaky", "b");
    assertThat(readCommitted(deadLetters)).isEmpty();
  }

  @Test
  void shouldStopOnAFencedProducerInsteadOfRetrying() throws Exception {
    send("a");
    try (KafkaProducer<byte[], byte[]> usurper = transactionalProducer()) {
      usurper.initTransactions(); // same transactional.id: the processor's producer is fenced

      assertThatThrownBy(
              () -> {
                while (true) {
                  processor.pollAndProcess(Duration.ofMillis(200), this::echo, () -> false);
                }
              })
          .satisfies(e -> assertThat(ErrorClassifier.isFatal(e)).as(e.toString()).isTrue());
    }
    assertThat(readCommitted(output)).isEmpty();
    assertThat(committedOffset()).isZero();
  }

  private void echo(ConsumerRecord<byte[], byte[]> record) {
    String text = text(record.value());
    if (text.equals("poison")) {
      throw new SerializationException("cannot decode poison");
    }
    processor.commit(
        List.of(
            new ProducerRecord<>(
                output, record.key(), text.toUpperCase().getBytes(StandardCharsets.UTF_8))),
        record);
  }

  private void processUntil(BooleanSupplier done, TransactionalProcessor.RecordHandler handler)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as("processed in time").isLessThan(deadline);
      processor.pollAndProcess(Duration.ofMillis(200), handler, () -> false);
    }
  }

  private long committedOffset() {
    OffsetAndMetadata committed =
        consumer.committed(java.util.Set.of(new TopicPartition(input, 0))).values().stream()
            .filter(java.util.Objects::nonNull)
            .findFirst()
            .orElse(null);
    return committed == null ? 0 : committed.offset();
  }

  private void send(String... texts) throws Exception {
    try (KafkaProducer<byte[], byte[]> plain =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      for (String text : texts) {
        plain.send(new ProducerRecord<>(input, bytes("k"), bytes(text))).get();
      }
    }
  }

  private KafkaProducer<byte[], byte[]> transactionalProducer() {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            infra.bootstrapServers(),
            ProducerConfig.TRANSACTIONAL_ID_CONFIG,
            transactionalId),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  private List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> reader =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      reader.assign(List.of(tp));
      reader.seekToBeginning(List.of(tp));
      long end = reader.endOffsets(List.of(tp)).get(tp);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (reader.position(tp) < end && System.nanoTime() < deadline) {
        reader.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  private static List<String> texts(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream().map(r -> text(r.value())).toList();
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
