package dev.flywheel.common.snapshot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Follows a set of topics from their beginning with one assigned (groupless) consumer: the one way
 * the services read a topic into an in-memory view. It owns the partitions, the position of each
 * (the next offset to hand over), a <em>catch-up</em> ({@link #readTo}: everything up to given end
 * offsets, waiting for it) and a <em>follow</em> step ({@link #poll}: whatever has arrived since,
 * waiting at most the given time). Both continue from the positions, so nothing is handed over
 * twice or skipped, however the two are mixed.
 *
 * <p>Give the consumer {@code isolation.level=read_committed}. Not thread-safe: use it from one
 * thread, or serialise the calls; only {@link #wakeup} may be called from another thread.
 */
public final class TopicTail<K, V> implements AutoCloseable {

  private final Consumer<K, V> consumer;
  private final List<TopicPartition> partitions;
  private final Map<TopicPartition, Long> positions = new HashMap<>();

  private TopicTail(Consumer<K, V> consumer, List<TopicPartition> partitions) {
    this.consumer = consumer;
    this.partitions = List.copyOf(partitions);
  }

  /**
   * Assigns {@code consumer} to every partition of {@code topics}, positioned at each partition's
   * beginning (its log start offset). The tail owns the consumer from then on.
   *
   * @throws IllegalStateException when one of the topics does not exist
   */
  public static <K, V> TopicTail<K, V> open(
      Consumer<K, V> consumer, Collection<String> topics, Duration timeout) {
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : topics) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " does not exist");
      }
      infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
    }
    TopicTail<K, V> tail = new TopicTail<>(consumer, partitions);
    consumer.assign(partitions);
    tail.positions.putAll(consumer.beginningOffsets(partitions, timeout));
    tail.positions.forEach(consumer::seek);
    return tail;
  }

  /** Every partition followed, topic by topic in the order given to {@link #open}. */
  public List<TopicPartition> partitions() {
    return partitions;
  }

  /** How many partitions {@code topic} has (0 when it is not followed). */
  public int partitionCount(String topic) {
    return (int) partitions.stream().filter(tp -> tp.topic().equals(topic)).count();
  }

  /** The current end of every partition as this (read_committed) consumer sees it. */
  public Map<TopicPartition, Long> lastStableOffsets(Duration timeout) {
    return consumer.endOffsets(partitions, timeout);
  }

  /** Catch-up to the current end: {@link #readTo} the {@link #lastStableOffsets}. */
  public void catchUp(java.util.function.Consumer<ConsumerRecord<K, V>> sink, Duration timeout) {
    readTo(lastStableOffsets(timeout), sink, timeout);
  }

  /**
   * Hands every record from the positions up to {@code ends} (exclusive) to {@code sink}, in offset
   * order per partition, waiting for them; afterwards each position is at least its end.
   *
   * @throws org.apache.kafka.common.errors.TimeoutException when the records were not all read
   *     within {@code timeout}; the positions are then unchanged
   */
  public void readTo(
      Map<TopicPartition, Long> ends,
      java.util.function.Consumer<ConsumerRecord<K, V>> sink,
      Duration timeout) {
    BoundedReader.read(consumer, positions, ends, sink, timeout);
    ends.forEach((tp, end) -> positions.merge(tp, end, Math::max));
    // BoundedReader drops what a fetch returned beyond the ends; resume right after the range.
    consumer.assign(partitions);
    positions.forEach(consumer::seek);
  }

  /**
   * Follow: hands whatever has arrived since the positions to {@code sink}, waiting at most {@code
   * wait} for something to arrive ({@link Duration#ZERO}: not at all), and moves the positions past
   * it.
   *
   * @return how many records were handed over
   */
  public int poll(Duration wait, java.util.function.Consumer<ConsumerRecord<K, V>> sink) {
    int count = 0;
    for (ConsumerRecord<K, V> record : consumer.poll(wait)) {
      sink.accept(record);
      count++;
    }
    // The position, not the last record: transaction markers and aborted records take offsets.
    partitions.forEach(tp -> positions.put(tp, consumer.position(tp)));
    return count;
  }

  /** Whether every position is at or beyond its end in {@code ends}. */
  public boolean reached(Map<TopicPartition, Long> ends) {
    return ends.entrySet().stream()
        .allMatch(end -> positions.getOrDefault(end.getKey(), 0L) >= end.getValue());
  }

  /** The next offset to hand over, per partition. */
  public Map<TopicPartition, Long> positions() {
    return Map.copyOf(positions);
  }

  /** Makes a {@link #poll} or {@link #readTo} in progress on another thread throw a wakeup. */
  public void wakeup() {
    consumer.wakeup();
  }

  /** Closes the consumer, waiting at most five seconds. */
  @Override
  public void close() {
    consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
  }
}
