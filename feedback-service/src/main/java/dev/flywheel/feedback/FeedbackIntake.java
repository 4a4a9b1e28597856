package dev.flywheel.feedback;

import dev.flywheel.events.FeedbackKind;
import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.schemas.Topic;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First stop of feedback: refuses feedback that breaks its contract, drops a repeated idempotency
 * id, and wraps the rest with where it was read, as the join's input.
 *
 * <p>An idempotency id counts once within {@link FeedbackSettings#dedupRetention()} R of the first
 * time it was read (by record timestamp, either way). Each id is stored in a window store under the
 * start of its R-long bucket, so that looking one up takes three point reads (its bucket and the
 * two beside it) instead of a range scan over every segment of the store: ids are kept for 2R to 3R
 * ({@link #storeRetention}). A Bloom filter per bucket ({@link BucketFilters}), filled from the
 * store when the task starts and with every id put since, answers most of those reads without
 * asking the store: a new id, nearly every id, is then known to be new without a read.
 *
 * <p>Versions before this one stored each id under its own timestamp. Until R after a store that
 * holds such entries is first read by this version, a miss is checked against them with the old
 * range scan too; a marker in the store (at bucket timestamps, so no feedback can overwrite it)
 * says until when.
 */
final class FeedbackIntake
    implements FixedKeyProcessor<String, FeedbackReceived, Routed<JoinInput>> {
  private static final Logger LOG = LoggerFactory.getLogger(FeedbackIntake.class);

  private final String storeName;

  /**
   * The marker's key. It is written to every bucket before ids are looked up there, so feedback
   * that uses it as its idempotency id is always found as a repeat and never overwrites it.
   */
  static final String MARKER = "\u0000flywheel:dedup-buckets";

  private final long retentionMs;
  private final Topic<String, FeedbackReceived> topic;
  private final FeedbackMetrics metrics;
  private final Routed.Outlets outlets;
  private FixedKeyProcessorContext<String, Routed<JoinInput>> context;
  private WindowStore<String, Long> seen;
  private BucketFilters filters;

  /** Until when (record time) ids may sit under their own timestamps; null: not known yet. */
  private Long legacyUntil;

  /** The bucket the marker was last written to. */
  private long markerBucket;

  FeedbackIntake(
      String storeName,
      Duration retention,
      Topic<String, FeedbackReceived> topic,
      FeedbackMetrics metrics,
      Routed.Outlets outlets) {
    this.storeName = storeName;
    this.retentionMs = retention.toMillis();
    this.topic = topic;
    this.metrics = metrics;
    this.outlets = outlets;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, Routed<JoinInput>> context) {
    this.context = context;
    this.seen = context.getStateStore(storeName);
    legacyUntil = null;
    markerBucket = Long.MIN_VALUE;
    try (WindowStoreIterator<Long> markers = seen.fetch(MARKER, 0, Long.MAX_VALUE)) {
      while (markers.hasNext()) {
        KeyValue<Long, Long> marker = markers.next();
        markerBucket = marker.key;
        legacyUntil = marker.value;
      }
    }
    filters = filled(seen, retentionMs, context.taskId().toString());
  }

  /**
   * Filters that know every id {@code store} holds at a bucket start. Their cost is one pass over
   * the store when a task starts (logged), bounded in memory by {@link
   * BucketFilters#MAX_IDS_PER_BUCKET}. Ids an earlier version stored under their own timestamps are
   * left out (a filter per timestamp would take kilobytes per id): they are looked up the old way.
   */
  static BucketFilters filled(WindowStore<String, Long> store, long retentionMs, String task) {
    long started = System.nanoTime();
    BucketFilters filters = new BucketFilters(BucketFilters.MAX_IDS_PER_BUCKET);
    long ids = 0;
    try (KeyValueIterator<Windowed<String>, Long> all = store.all()) {
      while (all.hasNext()) {
        Windowed<String> stored = all.next().key;
        long start = stored.window().start();
        if (Math.floorMod(start, retentionMs) == 0) {
          filters.add(filters.hash(stored.key()), start);
          ids++;
        }
      }
    }
    if (ids > 0) {
      LOG.info(
          "Task {}: dedup filters filled with {} stored ids in {} ms",
          task,
          ids,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }
    return filters;
  }

  /** How long the store must keep an id so that {@link #seenBefore} finds it for R. */
  static Duration storeRetention(Duration dedupRetention) {
    return dedupRetention.multipliedBy(2);
  }

  @Override
  public void process(FixedKeyRecord<String, FeedbackReceived> record) {
    RecordMetadata source =
        context
            .recordMetadata()
            .orElseThrow(() -> new IllegalStateException("feedback without source metadata"));
    FeedbackReceived feedback = record.value();
    String problem = problem(record.key(), feedback);
    if (problem != null) {
      forward(
          record.withValue(
              Routed.rejected(
                  new Rejection(
                      Rejection.Reason.INVALID_FEEDBACK,
                      problem,
                      record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
                      feedback == null
                          ? null
                          : topic.valueSerde().serializer().serialize(topic.name(), feedback),
                      record.headers(),
                      source.topic(),
                      source.partition(),
                      source.offset()))));
      return;
    }
    if (seenBefore(feedback.getIdempotencyId(), record.timestamp())) {
      metrics.dedupHit();
      return;
    }
    forward(
        record.withValue(
            Routed.accepted(
                JoinInput.of(
                    new Envelope(feedback, source.topic(), source.partition(), source.offset())))));
  }

  private void forward(FixedKeyRecord<String, Routed<JoinInput>> routed) {
    context.forward(routed, outlets.of(routed.value()));
  }

  private boolean seenBefore(String idempotencyId, long timestamp) {
    long bucket = timestamp - Math.floorMod(timestamp, retentionMs);
    if (legacyUntil == null) {
      // No marker: the store is new, or earlier versions wrote it.
      try (KeyValueIterator<Windowed<String>, Long> any = seen.all()) {
        legacyUntil = any.hasNext() ? timestamp + retentionMs : Long.MIN_VALUE;
      }
    }
    if (bucket > markerBucket) {
      put(MARKER, filters.hash(MARKER), legacyUntil, bucket);
      markerBucket = bucket;
      // Only feedback more than R late still looks further back; it reads the store.
      filters.forget(bucket - retentionMs);
    }
    long later = bucket > Long.MAX_VALUE - retentionMs ? -1 : bucket + retentionMs;
    long hash = filters.hash(idempotencyId);
    if (storedIn(idempotencyId, hash, bucket)
        || storedIn(idempotencyId, hash, bucket - retentionMs)
        || storedIn(idempotencyId, hash, later)
        || (timestamp < legacyUntil && storedUnderOwnTimestamp(idempotencyId, timestamp))) {
      return true;
    }
    put(idempotencyId, hash, timestamp, bucket);
    return false;
  }

  private void put(String id, long hash, long timestamp, long bucket) {
    seen.put(id, timestamp, bucket);
    filters.add(hash, bucket);
  }

  private boolean storedIn(String idempotencyId, long hash, long bucket) {
    return bucket >= 0
        && filters.mayHold(hash, bucket)
        && seen.fetch(idempotencyId, bucket) != null;
  }

  /** How earlier versions looked an id up. */
  private boolean storedUnderOwnTimestamp(String idempotencyId, long timestamp) {
    try (WindowStoreIterator<Long> hits =
        seen.fetch(idempotencyId, timestamp - retentionMs, timestamp + retentionMs)) {
      return hits.hasNext();
    }
  }

  /** What is wrong with the feedback, or null when it keeps its contract. */
  static String problem(String key, FeedbackReceived feedback) {
    if (feedback == null) {
      return "feedback without a value";
    }
    if (blank(feedback.getIdempotencyId())) {
      return "feedback without an idempotency id";
    }
    FeedbackKind kind = feedback.getKind();
    if (kind == FeedbackKind.EXAMPLE) {
      if (blank(feedback.getModel()) || blank(feedback.getText()) || blank(feedback.getLabel())) {
        return "an EXAMPLE needs a model, a text and a label";
      }
      return null;
    }
    if (kind == null || kind == FeedbackKind.UNKNOWN) {
      return "unknown feedback kind";
    }
    if (blank(key)) {
      return kind + " feedback without a prediction id as its key";
    }
    if (feedback.getPredictionId() != null && !feedback.getPredictionId().equals(key)) {
      return "key " + key + " differs from predictionId " + feedback.getPredictionId();
    }
    if (kind == FeedbackKind.CORRECTION && blank(feedback.getLabel())) {
      return "a CORRECTION needs a label";
    }
    return null;
  }

  private static boolean blank(String text) {
    return text == null || text.isBlank();
  }
}
