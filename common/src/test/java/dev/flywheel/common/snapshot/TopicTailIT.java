package dev.flywheel.common.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedInfraExtension.class)
@Timeout(120)
class TopicTailIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final EmbeddedInfra infra;
  private String first;
  private String second;
  private KafkaProducer<String, String> producer;
  private TopicTail<String, String> tail;

  TopicTailIT(EmbeddedInfra infra) {
    this.infra = infra;
  }

  @BeforeEach
  void setUp() throws Exception {
    String prefix = infra.newTopicPrefix();
    first = prefix + "tail-first";
    second = prefix + "tail-second";
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(new NewTopic(first, 2, (short) 1), new NewTopic(second, 1, (short) 1)))
          .all()
          .get();
    }
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                "tail-it-" + UUID.randomUUID()),
            new StringSerializer(),
            new StringSerializer());
    producer.initTransactions();
  }

  @AfterEach
  void tearDown() {
    if (tail != null) {
      tail.close();
    }
    producer.close();
  }

  private TopicTail<String, String> open() {
    KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false),
            new StringDeserializer(),
            new StringDeserializer());
    return TopicTail.open(consumer, List.of(first, second), TIMEOUT);
  }

  private void commit(String topic, String... values) {
    producer.beginTransaction();
    for (String value : values) {
      producer.send(new ProducerRecord<>(topic, value, value));
    }
    producer.commitTransaction();
  }

  private void abort(String topic, String value) {
    producer.beginTransaction();
    producer.send(new ProducerRecord<>(topic, value, value));
    producer.abortTransaction();
  }

  private static List<String> values(List<ConsumerRecord<String, String>> records) {
    return records.stream().map(ConsumerRecord::value).sorted().toList();
  }

  /** Follows until {@code count} records arrived, or the test's timeout. */
  private List<ConsumerRecord<String, String>> follow(int count) {
    List<ConsumerRecord<String, String>> seen = new ArrayList<>();
    while (seen.size() < count) {
      tail.poll(Duration.ofMillis(100), seen::add);
    }
    return seen;
  }

  @Test
  void shouldCatchUpToTheEndsAndThenFollowWhatArrives() {
    commit(first, "a", "b", "c");
    abort(first, "never");
    commit(second, "d");
    tail = open();
    assertThat(tail.partitions()).hasSize(3);
    assertThat(tail.partitionCount(first)).isEqualTo(2);
    assertThat(tail.partitionCount(second)).isEqualTo(1);

    List<ConsumerRecord<String, String>> caughtUp = new ArrayList<>();
    Map<TopicPartition, Long> ends = tail.lastStableOffsets(TIMEOUT);
    tail.catchUp(caughtUp::add, TIMEOUT);

    assertThat(values(caughtUp)).containsExactly("a", "b", "c", "d");
    assertThat(tail.reached(ends)).isTrue();
    assertThat(tail.positions()).isEqualTo(ends);

    List<ConsumerRecord<String, String>> idle = new ArrayList<>();
    assertThat(tail.poll(Duration.ZERO, idle::add)).isZero();
    assertThat(idle).isEmpty();

    commit(first, "e");
    abort(second, "never again");
    commit(second, "f");
    assertThat(values(follow(2))).containsExactly("e", "f");
    assertThat(tail.reached(tail.lastStableOffsets(TIMEOUT))).isTrue();
  }

  @Test
  void shouldKeepItsPositionsAcrossCatchUpsAndFollows() {
    commit(first, "a", "b");
    tail = open();
    Map<TopicPartition, Long> ends = tail.lastStableOffsets(TIMEOUT);
    // Written after the ends were taken: a fetch may return them with the range, yet the range
    // stops at the ends, and the next follow must hand them over, once.
    commit(first, "c", "d");
    commit(second, "e");
    List<ConsumerRecord<String, String>> range = new ArrayList<>();
    tail.readTo(ends, range::add, TIMEOUT);
    assertThat(values(range)).containsExactly("a", "b");

    assertThat(values(follow(3))).containsExactly("c", "d", "e");

    commit(second, "f");
    List<ConsumerRecord<String, String>> next = new ArrayList<>();
    tail.catchUp(next::add, TIMEOUT);
    assertThat(values(next)).as("only what came after the follow").containsExactly("f");

    List<ConsumerRecord<String, String>> again = new ArrayList<>();
    tail.catchUp(again::add, TIMEOUT);
    assertThat(again).isEmpty();
    assertThat(tail.positions()).isEqualTo(tail.lastStableOffsets(TIMEOUT));
  }

  @Test
  void shouldRefuseATopicThatDoesNotExist() {
    KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.bootstrapServers(),
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG,
                false),
            new StringDeserializer(),
            new StringDeserializer());
    try (consumer) {
      assertThatThrownBy(
              () -> TopicTail.open(consumer, List.of(first + "-missing"), Duration.ofSeconds(5)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("does not exist");
    }
  }
}
