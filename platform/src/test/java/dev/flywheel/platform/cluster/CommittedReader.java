package dev.flywheel.platform.cluster;

import dev.flywheel.common.snapshot.ExampleSnapshotReader;
import dev.flywheel.common.snapshot.TopicTail;
import dev.flywheel.schemas.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads what a topic holds now, committed records only ({@code read_committed}): the figures of the
 * fault runs are counted from the topics themselves, not from logs.
 */
public final class CommittedReader {
  private final String bootstrapServers;

  public CommittedReader(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  /** Every committed value of {@code topic} up to its current end. */
  public <V> List<V> read(Topic<String, V> topic) {
    Map<String, Object> config =
        ExampleSnapshotReader.consumerConfig(
            Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    Deserializer<V> values = topic.valueSerde().deserializer();
    List<V> read = new ArrayList<>();
    Duration timeout = Duration.ofSeconds(60);
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    TopicTail<byte[], byte[]> tail;
    try {
      tail = TopicTail.open(consumer, List.of(topic.name()), timeout);
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
    try (tail) {
      tail.catchUp(
          r -> read.add(values.deserialize(topic.name(), r.headers(), r.value())), timeout);
    }
    return read;
  }
}
