package dev.flywheel.trainer;

import dev.flywheel.common.snapshot.ExampleSnapshotReader;
import dev.flywheel.common.snapshot.TopicTail;
import dev.flywheel.schemas.Topic;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Follows one topic from its beginning: each {@link #refresh} hands the records committed since the
 * previous call to a sink, reading with {@code read_committed} and an assigned (groupless)
 * consumer.
 *
 * <p>With {@code untilHighWatermark}, a refresh reads up to the high watermark as it was when the
 * refresh began, so it also waits until every transaction below it is decided: a record committed
 * by another worker just before the refresh is then never missed (the last stable offset alone
 * could stop short of it, behind someone else's open transaction). Thread-safe: refreshes are
 * serialised.
 */
final class TopicFollower<V> implements AutoCloseable {
  private final Topic<String, V> topic;
  private final KafkaConsumer<String, V> consumer;
  private final Admin admin;
  private final boolean untilHighWatermark;
  private final Duration timeout;
  private TopicTail<String, V> tail;

  TopicFollower(
      Topic<String, V> topic,
      Map<String, Object> consumerConfig,
      Admin admin,
      boolean untilHighWatermark,
      Duration timeout) {
    this.topic = topic;
    this.consumer =
        new KafkaConsumer<>(
            ExampleSnapshotReader.consumerConfig(consumerConfig),
            topic.keySerde().deserializer(),
            topic.valueSerde().deserializer());
    this.admin = admin;
    this.untilHighWatermark = untilHighWatermark;
    this.timeout = timeout;
  }

  String topicName() {
    return topic.name();
  }

  /** Hands every record committed since the last refresh to {@code sink}, in offset order. */
  synchronized void refresh(Consumer<ConsumerRecord<String, V>> sink) {
    if (tail == null) {
      tail = open();
    }
    Map<TopicPartition, Long> ends =
        untilHighWatermark ? highWatermarks() : tail.lastStableOffsets(timeout);
    tail.readTo(ends, sink, timeout);
  }

  private TopicTail<String, V> open() {
    try {
      return TopicTail.open(consumer, List.of(topic.name()), timeout);
    } catch (IllegalStateException e) {
      // Retriable here: the topic may not have been created yet; the next refresh tries again.
      throw new TimeoutException("topic " + topic.name() + " has no partitions");
    }
  }

  private Map<TopicPartition, Long> highWatermarks() {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    tail.partitions().forEach(tp -> request.put(tp, OffsetSpec.latest()));
    ListOffsetsOptions options =
        new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)
            .timeoutMs((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    try {
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> infos =
          admin.listOffsets(request, options).all().get();
      Map<TopicPartition, Long> ends = new HashMap<>();
      infos.forEach((tp, info) -> ends.put(tp, info.offset()));
      return ends;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted while listing offsets of " + topic.name(), e);
    } catch (ExecutionException e) {
      throw new KafkaException("cannot list offsets of " + topic.name(), e.getCause());
    }
  }

  @Override
  public synchronized void close() {
    consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
  }
}
