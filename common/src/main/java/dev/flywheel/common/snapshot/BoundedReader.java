package dev.flywheel.common.snapshot;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Reads the records of some partitions between fixed offsets, with a consumer that is assigned
 * (never subscribed) so no consumer group is involved. The building block of {@link
 * ExampleSnapshotReader} and of any "catch up to the end of this topic" view (latest spec per
 * model, latest release per model, ...).
 *
 * <p>Give the consumer {@code isolation.level=read_committed}: then a range that ends at an offset
 * obtained from {@link Consumer#endOffsets} of that consumer (the last stable offset) contains only
 * committed records and reads the same on every replay. Records at or beyond a partition's end
 * offset that a fetch happens to return are dropped, so the ranges are exact.
 */
public final class BoundedReader {

  private static final Duration POLL = Duration.ofMillis(100);

  private BoundedReader() {}

  /**
   * Assigns the consumer to the partitions of {@code ends}, seeks each to its start offset and
   * hands every record in {@code [start, end)} to {@code sink}, in offset order per partition.
   * Partitions whose start is at or beyond their end are not read. Leaves the consumer assigned to
   * those partitions, positioned at or after each end.
   *
   * @param starts first offset to read per partition; a partition missing here starts at 0
   * @param ends end offset (exclusive) per partition
   * @throws TimeoutException when the ranges were not read completely within {@code timeout}
   */
  public static <K, V> void read(
      Consumer<K, V> consumer,
      Map<TopicPartition, Long> starts,
      Map<TopicPartition, Long> ends,
      java.util.function.Consumer<ConsumerRecord<K, V>> sink,
      Duration timeout) {
    Objects.requireNonNull(sink, "sink");
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<TopicPartition, Long> remaining = new HashMap<>();
    ends.forEach(
        (tp, end) -> {
          if (starts.getOrDefault(tp, 0L) < end) {
            remaining.put(tp, end);
          }
        });
    consumer.assign(ends.keySet());
    remaining.keySet().forEach(tp -> consumer.seek(tp, starts.getOrDefault(tp, 0L)));
    consumer.pause(consumer.assignment());
    consumer.resume(remaining.keySet());
    while (!remaining.isEmpty()) {
      if (System.nanoTime() - deadline > 0) {
        throw new TimeoutException(
            "could not read up to the end offsets within "
                + timeout
                + "; still missing "
                + remaining);
      }
      ConsumerRecords<K, V> records = consumer.poll(POLL);
      for (ConsumerRecord<K, V> record : records) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        Long end = ends.get(tp);
        if (end != null && record.offset() < end) {
          sink.accept(record);
        }
      }
      // Position, not the last record's offset: transaction markers and aborted records occupy
      // offsets too, and the position moves past them.
      remaining
          .entrySet()
          .removeIf(
              entry -> {
                boolean done = consumer.position(entry.getKey(), timeout) >= entry.getValue();
                if (done) {
                  consumer.pause(List.of(entry.getKey()));
                }
                return done;
              });
    }
    consumer.resume(consumer.assignment());
  }
}
