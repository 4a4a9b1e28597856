package dev.flywheel.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.common.config.ClientType;
import dev.flywheel.common.config.Config;
import dev.flywheel.common.config.ConfigSpec;
import dev.flywheel.common.config.InvalidConfigException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class KafkaClientsTest {
  private static final ConfigSpec SPEC = ConfigSpec.builder().define(KafkaClients.FIELDS).build();

  private static KafkaClients clients(Map<String, String> env) {
    Config config = SPEC.parse(env, Map.of());
    return new KafkaClients("ingest", config);
  }

  @Test
  void shouldMakeTheProducerDurableByDefault() {
    Map<String, Object> props =
        clients(Map.of("FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS", "b:9092")).producerConfig("feedback");

    assertThat(props)
        .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
        .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
        .containsEntry(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5)
        .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000)
        .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "b:9092")
        .containsEntry(ProducerConfig.CLIENT_ID_CONFIG, "flywheel-ingest-feedback-0");
    // delivery.timeout.ms must cover linger.ms + request.timeout.ms or the producer refuses to
    // start
    assertThat((int) props.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG))
        .isGreaterThanOrEqualTo(
            (int) props.get(ProducerConfig.LINGER_MS_CONFIG)
                + (int) props.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG));
    assertThat(new ProducerConfig(withSerializers(props)).getBoolean("enable.idempotence"))
        .isTrue();
  }

  @Test
  void shouldOverlayPassThroughSettingsOnTheDefaults() {
    Map<String, Object> props =
        clients(
                Map.of(
                    "FLYWHEEL_KAFKA_LINGER_MS", "50",
                    "FLYWHEEL_KAFKA_PRODUCER_COMPRESSION_TYPE", "gzip",
                    "FLYWHEEL_KAFKA_CONSUMER_MAX_POLL_RECORDS", "10"))
            .producerConfig("feedback");

    assertThat(props)
        .containsEntry(ProducerConfig.LINGER_MS_CONFIG, "50")
        .containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip")
        .doesNotContainKey(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
  }

  @Test
  void shouldSetTheTransactionalIdGiven() {
    Map<String, Object> props =
        clients(Map.of()).transactionalProducerConfig("candidates", "trainer-worker-1");

    assertThat(props)
        .containsEntry(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "trainer-worker-1")
        .containsEntry(ProducerConfig.ACKS_CONFIG, "all");
    assertThatThrownBy(() -> clients(Map.of()).transactionalProducerConfig("c", " "))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldMakeTheConsumerReadCommittedWithManualCommitsInTheGivenGroup() {
    Map<String, Object> props =
        clients(Map.of("FLYWHEEL_KAFKA_CONSUMER_GROUP_ID", "ignored"))
            .consumerConfig("requests", "flywheel-trainer");

    assertThat(props)
        .containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
        .containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
        .containsEntry(ConsumerConfig.GROUP_ID_CONFIG, "flywheel-trainer")
        .containsEntry(ConsumerConfig.CLIENT_ID_CONFIG, "flywheel-ingest-requests-0");
  }

  @Test
  void shouldConfigureStreamsForExactlyOnceWithTheConfiguredReplicationAndStateDir() {
    KafkaClients clients =
        clients(
            Map.of(
                "FLYWHEEL_TOPICS_REPLICATION_FACTOR", "3",
                "FLYWHEEL_STREAMS_STATE_DIR", "/var/lib/flywheel",
                "FLYWHEEL_INSTANCE_ID", "pod-7",
                "FLYWHEEL_KAFKA_STREAMS_NUM_STREAM_THREADS", "2"));

    Properties props = clients.streamsConfig("flywheel-feedback");

    assertThat(props)
        .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2")
        .containsEntry(StreamsConfig.REPLICATION_FACTOR_CONFIG, 3)
        .containsEntry(StreamsConfig.STATE_DIR_CONFIG, Path.of("/var/lib/flywheel").toString())
        .containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "flywheel-feedback")
        .containsEntry(StreamsConfig.CLIENT_ID_CONFIG, "flywheel-ingest-streams-pod-7")
        .containsEntry(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "2");
    assertThat(clients.replicationFactor()).isEqualTo(3);
  }

  @Test
  void shouldEndTheSessionOfAKilledMemberAfterTenSecondsUnlessTold() {
    assertThat(clients(Map.of()).consumerConfig("requests", "flywheel-trainer"))
        .containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    assertThat(clients(Map.of()).streamsConfig("flywheel-feedback"))
        .containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    assertThat(
            clients(Map.of("FLYWHEEL_KAFKA_CONSUMER_SESSION_TIMEOUT_MS", "45000"))
                .consumerConfig("requests", "flywheel-trainer"))
        .containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "45000");
    assertThat(
            clients(Map.of("FLYWHEEL_KAFKA_STREAMS_SESSION_TIMEOUT_MS", "45000"))
                .streamsConfig("flywheel-feedback"))
        .containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "45000");
  }

  @Test
  void shouldGiveEveryClientOfAProcessItsOwnId() {
    KafkaClients clients = clients(Map.of("FLYWHEEL_INSTANCE_ID", "a"));

    assertThat(clients.producerConfig("feedback").get(ProducerConfig.CLIENT_ID_CONFIG))
        .isEqualTo("flywheel-ingest-feedback-a");
    assertThat(clients.producerConfig("feedback").get(ProducerConfig.CLIENT_ID_CONFIG))
        .isEqualTo("flywheel-ingest-feedback-a-2");
    assertThat(clients.adminConfig("health").get(ProducerConfig.CLIENT_ID_CONFIG))
        .isEqualTo("flywheel-ingest-health-a");
  }

  @Test
  void shouldRejectAnInvalidReplicationFactor() {
    assertThatThrownBy(() -> clients(Map.of("FLYWHEEL_TOPICS_REPLICATION_FACTOR", "0")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("topics.replication.factor");
  }

  @Test
  void shouldAcceptExplicitSettingsWithoutAConfig() {
    KafkaClients clients =
        new KafkaClients(
            "feedback",
            Map.of(ClientType.ADMIN, Map.of("bootstrap.servers", "x:1")),
            1,
            Path.of("state"),
            "0");

    assertThat(clients.adminConfig("topics")).containsEntry("bootstrap.servers", "x:1");
    assertThat(clients.producerConfig("p")).doesNotContainKey("bootstrap.servers");
  }

  private static Map<String, Object> withSerializers(Map<String, Object> props) {
    Map<String, Object> copy = new java.util.HashMap<>(props);
    copy.put("bootstrap.servers", "b:9092");
    copy.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    copy.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    return copy;
  }
}
