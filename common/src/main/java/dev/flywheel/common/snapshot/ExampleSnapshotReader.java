package dev.flywheel.common.snapshot;

import dev.flywheel.events.DatasetSnapshot;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.PartitionRange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Takes and replays {@link ExampleSnapshot}s of the compacted examples topic (key: example id,
 * value: {@link LabeledExample}, tombstones allowed).
 *
 * <p>{@link #take} records the end offsets of every partition as a {@code read_committed} consumer
 * sees them (the last stable offset: nothing in flight in a transaction), then reads each partition
 * from its log start up to that offset, keeping one model's examples, the latest value per example
 * id. {@link #readUpTo} reads exactly the recorded ranges again, so a trainer, an evaluator or a
 * rebuild check that holds a {@link DatasetSnapshot} gets the same training and holdout sets.
 *
 * <p>Replays are exact as long as the log cleaner has not rewritten the recorded ranges in between:
 * compaction can drop a record inside a range whose key was overwritten after the range's end, and
 * deletes tombstones after {@code delete.retention.ms}. Give the topic a {@code
 * min.compaction.lag.ms} as long as snapshots must stay replayable. A replay whose start offset is
 * below the partition's log start (records deleted) fails with {@link SnapshotUnavailableException}
 * rather than returning a different set.
 *
 * <p>Uses one consumer that is assigned, never subscribed, so no consumer group is involved. Not
 * thread-safe: one reader per thread.
 */
public final class ExampleSnapshotReader implements AutoCloseable {

  private final Consumer<String, LabeledExample> consumer;
  private final Clock clock;
  private final Duration timeout;

  /**
   * A reader with its own consumer. The Kafka settings (bootstrap servers, security, ...) are taken
   * as given, except that group id and auto commit are removed and {@code isolation.level} is set
   * to {@code read_committed}.
   *
   * @param kafka consumer settings
   * @param values deserializer of the examples (the registry-backed Avro deserializer)
   * @param timeout how long one take or replay may last at most
   */
  public static ExampleSnapshotReader create(
      Map<String, Object> kafka, Deserializer<LabeledExample> values, Duration timeout) {
    return new ExampleSnapshotReader(
        new KafkaConsumer<>(consumerConfig(kafka), new StringDeserializer(), values),
        Clock.systemUTC(),
        timeout);
  }

  /**
   * A reader on a given consumer, which must use {@code isolation.level=read_committed} and must
   * not be subscribed; the reader closes it.
   */
  public ExampleSnapshotReader(
      Consumer<String, LabeledExample> consumer, Clock clock, Duration timeout) {
    this.consumer = Objects.requireNonNull(consumer, "consumer");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /** The given consumer settings made fit for snapshot reading (see {@link #create}). */
  public static Map<String, Object> consumerConfig(Map<String, Object> kafka) {
    Map<String, Object> config = new HashMap<>(kafka);
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return config;
  }

  /**
   * Records the end offsets of {@code topic} now and reads {@code model}'s examples up to them.
   *
   * @throws TimeoutException when the topic's metadata or its records could not be read in time
   */
  public ExampleSnapshot take(String topic, String model) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
    if (infos == null || infos.isEmpty()) {
      throw new TimeoutException("topic " + topic + " has no partitions (does it exist?)");
    }
    List<TopicPartition> partitions = new ArrayList<>();
    infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
    Instant takenAt = clock.instant();
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
    Map<TopicPartition, Long> starts = consumer.beginningOffsets(partitions, timeout);
    List<PartitionRange> ranges = new ArrayList<>();
    for (TopicPartition tp : partitions) {
      long end = ends.get(tp);
      ranges.add(new PartitionRange(tp.partition(), Math.min(starts.get(tp), end), end));
    }
    return read(topic, model, ranges, takenAt);
  }

  /**
   * Reads {@code model}'s examples in exactly the ranges of {@code snapshot}: the same training and
   * holdout sets, in the same order, as when the snapshot was taken. The returned snapshot is equal
   * to the given one when nothing was lost since (its counts are recomputed, {@code takenAt} kept).
   *
   * @throws SnapshotUnavailableException when records of a range have been deleted
   * @throws TimeoutException when the records could not be read in time
   */
  public ExampleSnapshot readUpTo(DatasetSnapshot snapshot, String model) {
    String topic = snapshot.getTopic();
    List<TopicPartition> partitions = new ArrayList<>();
    snapshot.getRanges().forEach(r -> partitions.add(new TopicPartition(topic, r.getPartition())));
    Map<TopicPartition, Long> logStarts = consumer.beginningOffsets(partitions, timeout);
    for (PartitionRange range : snapshot.getRanges()) {
      long logStart = logStarts.get(new TopicPartition(topic, range.getPartition()));
      if (range.getStartOffset() < range.getEndOffset() && logStart > range.getStartOffset()) {
        throw new SnapshotUnavailableException(
            "partition "
                + range.getPartition()
                + " of "
                + topic
                + " starts at "
                + logStart
                + " now; the snapshot needs offsets from "
                + range.getStartOffset());
      }
    }
    return read(topic, model, snapshot.getRanges(), snapshot.getTakenAt());
  }

  private ExampleSnapshot read(
      String topic, String model, List<PartitionRange> ranges, Instant takenAt) {
    Map<TopicPartition, Long> starts = new HashMap<>();
    Map<TopicPartition, Long> ends = new HashMap<>();
    for (PartitionRange range : ranges) {
      TopicPartition tp = new TopicPartition(topic, range.getPartition());
      starts.put(tp, range.getStartOffset());
      ends.put(tp, range.getEndOffset());
    }
    SnapshotAccumulator accumulator = new SnapshotAccumulator(model);
    BoundedReader.read(
        consumer, starts, ends, record -> accumulator.apply(record.key(), record.value()), timeout);
    return accumulator.result(topic, ranges, takenAt);
  }

  @Override
  public void close() {
    consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
  }
}
