package dev.flywheel.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EmbeddedKafkaIT {
  private static final String TOPIC = "restart-check";

  @TempDir Path dataDir;

  @Test
  void shouldAcceptAProduceRightAfterStartAndKeepItAcrossARestartOnTheSameDirectory()
      throws Exception {
    String clusterId;
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dataDir).build().start()) {
      // Tight client timeouts: a broker that is not ready yet fails this instead of being waited
      // for.
      RecordMetadata written = produce(kafka.bootstrapServers(), "key", "before-restart");
      assertThat(written.offset()).isZero();
      clusterId = clusterId();
    }
    assertThat(dataDir.resolve("meta.properties")).exists();

    try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dataDir).build().start()) {
      assertThat(clusterId()).as("formatted once, not again").isEqualTo(clusterId);
      assertThat(consumeAll(kafka.bootstrapServers())).containsExactly("before-restart");
      assertThat(produce(kafka.bootstrapServers(), "key", "after-restart").offset()).isEqualTo(1);
    }
  }

  @Test
  void shouldFailWithAClearErrorWhenThePortIsTaken() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      EmbeddedKafka kafka =
          EmbeddedKafka.builder().dataDir(dataDir).port(taken.getLocalPort()).build();

      assertThatThrownBy(kafka::start)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("127.0.0.1:" + taken.getLocalPort())
          .hasStackTraceContaining("Address already in use");
      kafka.close();
    }
  }

  private RecordMetadata produce(String bootstrap, String key, String value) throws Exception {
    Map<String, Object> config =
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.MAX_BLOCK_MS_CONFIG,
            5_000,
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
            4_000,
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
            5_000,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
      return producer.send(new ProducerRecord<>(TOPIC, key, value)).get(10, TimeUnit.SECONDS);
    }
  }

  private List<String> consumeAll(String bootstrap) {
    Map<String, Object> config =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ConsumerConfig.GROUP_ID_CONFIG,
            "restart-check-group",
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
            StringDeserializer.class,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
            StringDeserializer.class);
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
      consumer.subscribe(List.of(TOPIC));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                for (ConsumerRecord<String, String> record :
                    consumer.poll(Duration.ofMillis(200))) {
                  values.add(record.value());
                }
                return !values.isEmpty();
              });
    }
    return values;
  }

  private String clusterId() throws IOException {
    Properties meta = new Properties();
    try (Reader reader = Files.newBufferedReader(dataDir.resolve("meta.properties"))) {
      meta.load(reader);
    }
    return meta.getProperty("cluster.id");
  }
}
