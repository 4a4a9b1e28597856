package dev.flywheel.feedback;

import dev.flywheel.events.ExampleSource;
import dev.flywheel.events.RetrainReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The feedback service's own meters: examples by source, conflicts, dedup hits, unmatched feedback,
 * dead letters by reason, retrain requests by reason and live accuracy per model version. Counted
 * as records are processed, so after a failed transaction is retried a counter may count a record
 * twice; the topics, not the counters, are exact.
 */
public final class FeedbackMetrics {
  private static final String LIVE_ACCURACY = "flywheel.feedback.live.accuracy";

  /** Dead-letter reason of a record that cannot be decoded. */
  static final String DESERIALIZATION = "DESERIALIZATION";

  /** Dead-letter reason of an output too large for the broker. */
  static final String RECORD_TOO_LARGE = "RECORD_TOO_LARGE";

  private final MeterRegistry registry;
  private final Counter conflicts;
  private final Counter dedupHits;
  private final Counter unmatched;
  private final Counter thumbsDownWithoutExample;
  private final Map<String, AtomicLong> liveAccuracy = new ConcurrentHashMap<>();

  public FeedbackMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.conflicts =
        Counter.builder("flywheel.feedback.conflicts")
            .description("Examples that received a label different from their current one")
            .register(registry);
    this.dedupHits =
        Counter.builder("flywheel.feedback.dedup.hits")
            .description("Feedback dropped because its idempotency id was seen before")
            .register(registry);
    this.unmatched =
        Counter.builder("flywheel.feedback.unmatched")
            .description("Feedback whose prediction did not arrive inside the join window")
            .register(registry);
    this.thumbsDownWithoutExample =
        Counter.builder("flywheel.feedback.thumbs.down.without.example")
            .description("Thumbs down on a many-label model: counted against it, no example")
            .register(registry);
    // Every reason's counter exists at 0 from the start, so alerts on the dead-letter rate work
    // before the first one and dashboards show every series.
    for (Rejection.Reason reason : Rejection.Reason.values()) {
      deadLetters(reason.name());
    }
    deadLetters(DESERIALIZATION);
    deadLetters(RECORD_TOO_LARGE);
    for (RetrainReason reason :
        new RetrainReason[] {RetrainReason.THRESHOLD, RetrainReason.DRIFT, RetrainReason.MANUAL}) {
      retrainRequests(reason);
    }
  }

  public MeterRegistry registry() {
    return registry;
  }

  void example(ExampleSource source) {
    Counter.builder("flywheel.feedback.examples")
        .description("Labeled examples written, by how the label was obtained")
        .tag("source", source.name())
        .register(registry)
        .increment();
  }

  void conflict() {
    conflicts.increment();
  }

  void dedupHit() {
    dedupHits.increment();
  }

  void unmatched() {
    unmatched.increment();
  }

  void thumbsDownWithoutExample() {
    thumbsDownWithoutExample.increment();
  }

  void deadLetter(String reason) {
    deadLetters(reason).increment();
  }

  private Counter deadLetters(String reason) {
    return Counter.builder("flywheel.feedback.dead.letters")
        .description("Records parked in the dead-letter topic, by reason")
        .tag("reason", reason)
        .register(registry);
  }

  void retrainRequest(RetrainReason reason) {
    retrainRequests(reason).increment();
  }

  private Counter retrainRequests(RetrainReason reason) {
    return Counter.builder("flywheel.feedback.retrain.requests")
        .description("Retrain requests made (THRESHOLD, DRIFT) or seen (MANUAL), by reason")
        .tag("reason", reason.name())
        .register(registry);
  }

  /** Sets the live accuracy of {@code model} at {@code version} in its latest window. */
  void liveAccuracy(String model, int version, double accuracy) {
    AtomicLong bits =
        liveAccuracy.computeIfAbsent(
            model + ":" + version,
            k -> {
              AtomicLong holder = new AtomicLong(Double.doubleToLongBits(Double.NaN));
              // A gauge left by an earlier instance in this registry (a restart in the same
              // process) would keep reading its old holder: replace it.
              Gauge earlier =
                  registry
                      .find(LIVE_ACCURACY)
                      .tags("model", model, "version", Integer.toString(version))
                      .gauge();
              if (earlier != null) {
                registry.remove(earlier);
              }
              Gauge.builder(LIVE_ACCURACY, holder, h -> Double.longBitsToDouble(h.get()))
                  .description("Judged-correct share of the latest quality window")
                  .baseUnit("ratio")
                  .tag("model", model)
                  .tag("version", Integer.toString(version))
                  .register(registry);
              return holder;
            });
    bits.set(Double.doubleToLongBits(accuracy));
  }
}
