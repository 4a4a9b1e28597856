package dev.flywheel.schemas;

import static org.awaitility.Awaitility.await;

import dev.flywheel.embedded.EmbeddedInfra;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/** Real Kafka clients against the embedded broker, for the integration tests. */
final class KafkaClients {
  private KafkaClients() {}

  static Admin admin(EmbeddedInfra infra) {
    return Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()));
  }

  static <K, V> KafkaProducer<K, V> producer(
      EmbeddedInfra infra, Serializer<K> keys, Serializer<V> values) {
    Map<String, Object> configs =
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            infra.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true,
            ProducerConfig.LINGER_MS_CONFIG,
            0);
    return new KafkaProducer<>(configs, keys, values);
  }

  /** Every record of {@code topic} from the beginning, once {@code expected} have arrived. */
  static <K, V> List<ConsumerRecord<K, V>> readAll(
      EmbeddedInfra infra,
      String topic,
      int partitions,
      Deserializer<K> keys,
      Deserializer<V> values,
      int expected) {
    List<TopicPartition> partitionsOfTopic =
        IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
    return readAll(infra, partitionsOfTopic, keys, values, expected);
  }

  /** Every record of {@code partitions} from the beginning, once {@code expected} have arrived. */
  static <K, V> List<ConsumerRecord<K, V>> readAll(
      EmbeddedInfra infra,
      List<TopicPartition> assigned,
      Deserializer<K> keys,
      Deserializer<V> values,
      int expected) {
    Map<String, Object> configs =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG, infra.newGroupId(),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<K, V>> records = new ArrayList<>();
    try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(configs, keys, values)) {
      consumer.assign(assigned);
      consumer.seekToBeginning(assigned);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= expected;
              });
    }
    return records;
  }
}
