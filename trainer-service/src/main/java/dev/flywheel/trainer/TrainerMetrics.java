package dev.flywheel.trainer;

import dev.flywheel.common.metrics.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The trainer's meters: runs by outcome and their duration, the latest throughput and loss, queue
 * lag, busy workers, and the training device (with GPU memory when there is a GPU). Thread-safe.
 */
final class TrainerMetrics {
  static final String AREA = "trainer";

  /** How a run ended, as the {@code outcome} tag says it. */
  enum Outcome {
    CANDIDATE,
    FAILED,
    RETRIED,
    DEAD_LETTERED,
    SKIPPED,
    CANCELLED;

    String tag() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final MeterRegistry registry;
  private final Map<Outcome, Counter> runs = new ConcurrentHashMap<>();
  private final Map<Outcome, Timer> durations = new ConcurrentHashMap<>();
  private final AtomicLong examplesPerSecondMilli = new AtomicLong();
  private final AtomicLong lastLossMicro = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong busy = new AtomicLong();

  TrainerMetrics(MeterRegistry registry, String device, LongSupplier gpuMemoryUsed) {
    this.registry = registry;
    for (Outcome outcome : Outcome.values()) {
      runs.put(
          outcome,
          Counter.builder(Metrics.name(AREA, "runs"))
              .description("Training runs by how they ended")
              .tag("outcome", outcome.tag())
              .register(registry));
      durations.put(
          outcome,
          Timer.builder(Metrics.name(AREA, "run.duration"))
              .description("Wall time of a training run, snapshot and upload included")
              .tag("outcome", outcome.tag())
              .publishPercentileHistogram()
              .minimumExpectedValue(Duration.ofMillis(100))
              .maximumExpectedValue(Duration.ofHours(6))
              .register(registry));
    }
    Gauge.builder(
            Metrics.name(AREA, "examples.per.second"), examplesPerSecondMilli, v -> v.get() / 1e3)
        .description("Training throughput of the latest progress report")
        .register(registry);
    Gauge.builder(
            Metrics.name(AREA, "last.loss"),
            lastLossMicro,
            v -> v.get() == Long.MIN_VALUE ? Double.NaN : v.get() / 1e6)
        .description("Training loss of the latest progress report")
        .register(registry);
    Gauge.builder(Metrics.name(AREA, "busy.workers"), busy, AtomicLong::get)
        .description("Workers training right now")
        .register(registry);
    Gauge.builder(Metrics.name(AREA, "device"), () -> 1)
        .description("The device this process trains on (tag device)")
        .tag("device", device)
        .register(registry);
    if (gpuMemoryUsed != null) {
      Gauge.builder(Metrics.name(AREA, "gpu.memory.used"), () -> gpuMemoryUsed.getAsLong())
          .description("Memory in use on the training GPU")
          .baseUnit("bytes")
          .register(registry);
    }
  }

  /** Registers a worker's queue lag: requests waiting in its assigned partitions. */
  void queueLag(String worker, LongSupplier lag) {
    Gauge.builder(Metrics.name(AREA, "queue.lag"), () -> lag.getAsLong())
        .description("Retrain requests waiting for a worker (fetched or not)")
        .tag("worker", worker)
        .register(registry);
  }

  void runStarted() {
    busy.incrementAndGet();
  }

  void runEnded(Outcome outcome, Duration duration) {
    busy.decrementAndGet();
    runs.get(outcome).increment();
    durations.get(outcome).record(duration);
  }

  /** Counts an outcome that involved no training (e.g. a poison request). */
  void count(Outcome outcome) {
    runs.get(outcome).increment();
  }

  void progress(double examplesPerSecond, double loss) {
    if (Double.isFinite(examplesPerSecond)) {
      examplesPerSecondMilli.set(Math.round(examplesPerSecond * 1e3));
    }
    if (Double.isFinite(loss)) {
      lastLossMicro.set(Math.round(loss * 1e6));
    }
  }
}
