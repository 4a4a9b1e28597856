package dev.flywheel.feedback;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Folds the signals that one task sends towards a repartition topic into one record per bucket (for
 * example per model version and quality window) and sends the folded records on, instead of one
 * record per event: while signals keep coming, once per commit interval and at least {@link
 * #MIN_FLUSH_INTERVAL} apart, so that the repartition topic, and the task that reads it, see a
 * handful of records per second however many events there were; as soon as the task's input goes
 * quiet (no signal for one {@link #QUIET_CHECK}), at once, so that the last signals of a burst do
 * not wait out the interval. Either way no more records leave than signals came in.
 *
 * <p>The pending signals live in a cached, changelogged key-value store, never only in memory:
 * under exactly-once the store's changelog, the folded records and the input offsets are committed
 * in the same transaction, so a crash between a commit and the next flush loses nothing (the
 * restored store still holds the pending signals) and a crash after a flush but before the commit
 * aborts both. The record cache folds the store's updates too: per commit, each bucket costs one
 * changelog record, and per flush one repartition record.
 *
 * <p>Folding needs the record cache ({@code statestore.cache.max.bytes} &gt; 0, the Kafka Streams
 * default): without it each store update would go to the changelog, which costs more than it saves.
 * With the cache turned off the processor therefore forwards every signal at once, exactly as Kafka
 * Streams' own aggregations forward every update when the cache is off. Downstream operators must
 * treat a signal as a sum (they add the counts up), so both ways give the same totals.
 *
 * @param <V> the signal, which adds up with {@code plus}
 */
final class SignalBuffer<V> implements Processor<String, V, String, V> {
  /**
   * The shortest time between two flushes while signals keep coming, whatever the commit interval:
   * each flush reads the whole store and sends a record per bucket to a repartition topic, whose
   * task folds it into its own stores; once per commit interval (100 ms under exactly-once) that
   * cost 5.6 % of the stream thread in the benchmark, for a second's delay that nobody waits on
   * while the input streams.
   */
  static final Duration MIN_FLUSH_INTERVAL = Duration.ofSeconds(1);

  /**
   * How often the buffer asks whether its task's input has gone quiet: a check that finds no signal
   * folded since the previous one flushes, so the last signals of a burst leave 100–200 ms after
   * it. The checks of all buffers on a thread fall on the same instants (multiples of this interval
   * since the epoch), which Kafka Streams takes as one punctuation per round.
   */
  static final Duration QUIET_CHECK = Duration.ofMillis(100);

  /** Names the bucket a signal is folded into: {@code "<discriminator>/<output key>"}. */
  interface Bucketing<V> {
    String bucket(String key, V value, long timestamp);
  }

  /** Signals folded so far into one bucket, with the latest timestamp among them. */
  record Pending<V>(long timestamp, V value) {}

  private final String storeName;
  private final Bucketing<V> bucketing;
  private final BinaryOperator<V> plus;
  private ProcessorContext<String, V> context;
  private KeyValueStore<String, Pending<V>> pending;
  private long flushInterval;
  private long lastFlushMs;

  /** Whether a signal was folded since the last quiet check. */
  private boolean foldedSinceCheck;

  /**
   * Whether the store may hold signals not yet sent: after every fold, and at start (a restored
   * store may).
   */
  private boolean mayHoldSignals;

  /**
   * What this processor has put in the store since the last flush, as objects, so that folding an
   * event deserializes nothing. The store stays the record: a bucket missing here (after a restore)
   * is read from it.
   */
  private final Map<String, Pending<V>> folded = new HashMap<>();

  SignalBuffer(String storeName, Bucketing<V> bucketing, BinaryOperator<V> plus) {
    this.storeName = storeName;
    this.bucketing = bucketing;
    this.plus = plus;
  }

  /**
   * The bucket of {@code key} in the tumbling window (epoch-aligned, like {@code TimeWindows}) of
   * {@code timestamp}: the window start, zero-padded so that buckets sort by window.
   */
  static String windowBucket(String key, long timestamp, long windowMs) {
    return Codec.sortable(timestamp - Math.floorMod(timestamp, windowMs)) + "/" + key;
  }

  /**
   * The serde of the buffer store's values. Format 2 writes the value inline after the timestamp
   * (one buffer, one copy: every signal folded costs a store put, so this runs per event); format
   * 1, the value's own serialized bytes behind a length, is what earlier versions left in the store
   * and its changelog, and is still read.
   */
  static <V> Serde<Pending<V>> pendingSerde(
      Serde<V> values, Codec.Writer<V> writer, Codec.Reader<V> reader) {
    return Codec.serde(
        (byte) 2,
        (p, out) -> {
          out.writeLong(p.timestamp());
          writer.write(p.value(), out);
        },
        in -> new Pending<>(in.readLong(), reader.read(in)),
        Map.of(
            (byte) 1,
            in ->
                new Pending<>(
                    in.readLong(), values.deserializer().deserialize(null, Codec.readBytes(in)))));
  }

  @Override
  public void init(ProcessorContext<String, V> context) {
    this.context = context;
    folded.clear();
    Map<String, Object> configs = context.appConfigs();
    if (cacheEnabled(configs)) {
      this.pending = context.getStateStore(storeName);
      flushInterval =
          Math.max(
              MIN_FLUSH_INTERVAL.toMillis(),
              number(configs.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)));
      lastFlushMs = context.currentSystemTimeMs();
      foldedSinceCheck = false;
      mayHoldSignals = true;
      // Anchored at multiples of QUIET_CHECK since the epoch (see there).
      context.schedule(Instant.EPOCH, QUIET_CHECK, PunctuationType.WALL_CLOCK_TIME, this::check);
    }
  }

  /** Flushes when the input went quiet since the last check, or the flush interval is up. */
  private void check(long now) {
    boolean quiet = !foldedSinceCheck;
    foldedSinceCheck = false;
    if (mayHoldSignals && (quiet || now - lastFlushMs >= flushInterval)) {
      flush();
      lastFlushMs = now;
      mayHoldSignals = false;
    }
  }

  @Override
  public void process(Record<String, V> record) {
    if (pending == null) {
      context.forward(record);
      return;
    }
    String bucket = bucketing.bucket(record.key(), record.value(), record.timestamp());
    Pending<V> before = folded.get(bucket);
    if (before == null) {
      before = pending.get(bucket);
    }
    Pending<V> after =
        before == null
            ? new Pending<>(record.timestamp(), record.value())
            : new Pending<>(
                Math.max(before.timestamp(), record.timestamp()),
                plus.apply(before.value(), record.value()));
    pending.put(bucket, after);
    folded.put(bucket, after);
    foldedSinceCheck = true;
    mayHoldSignals = true;
  }

  /** Sends every bucket, in bucket order, and empties the buffer. */
  private void flush() {
    List<KeyValue<String, Pending<V>>> all = new ArrayList<>();
    try (KeyValueIterator<String, Pending<V>> buckets = pending.all()) {
      buckets.forEachRemaining(all::add);
    }
    for (KeyValue<String, Pending<V>> bucket : all) {
      String key = bucket.key.substring(bucket.key.indexOf('/') + 1);
      context.forward(new Record<>(key, bucket.value.value(), bucket.value.timestamp()));
      pending.delete(bucket.key);
    }
    folded.clear();
  }

  /**
   * Whether Kafka Streams runs with a record cache. Both the current and the deprecated setting
   * must allow one; whichever Kafka Streams uses, folding then never runs without a cache.
   */
  static boolean cacheEnabled(Map<String, Object> configs) {
    return positive(configs.get(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG))
        && positive(configs.get(cacheMaxBytesBuffering()));
  }

  @SuppressWarnings("deprecation")
  private static String cacheMaxBytesBuffering() {
    return StreamsConfig.CACHE_MAX_BYTES_BUFFERING_CONFIG;
  }

  private static boolean positive(Object value) {
    return value == null || number(value) > 0;
  }

  private static long number(Object value) {
    return value instanceof Number n ? n.longValue() : Long.parseLong(value.toString().trim());
  }
}
