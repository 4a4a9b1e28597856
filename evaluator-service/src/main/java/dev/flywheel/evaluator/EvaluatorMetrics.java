package dev.flywheel.evaluator;

import dev.flywheel.common.metrics.Metrics;
import dev.flywheel.events.Decision;
import dev.flywheel.events.GateCheck;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ReleaseKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The evaluator's meters: evaluations by decision, each check's verdicts by name, evaluation
 * duration, releases by kind, rollbacks, dead letters, and per model the champion's version and
 * holdout accuracy.
 */
final class EvaluatorMetrics {

  private static final String AREA = "evaluator";

  private final MeterRegistry registry;
  private final Timer duration;
  private final AtomicInteger inProgress = new AtomicInteger();
  private final Map<String, Champion> champions = new ConcurrentHashMap<>();

  /** Mutable holder the champion gauges read. */
  private static final class Champion {
    private volatile double version = Double.NaN;
    private volatile double accuracy = Double.NaN;
  }

  /**
   * @param consumedTopics the topics whose poison records this evaluator parks; their dead-letter
   *     counters exist at 0 from the start, so alerts on their rate work before the first one
   */
  EvaluatorMetrics(MeterRegistry registry, List<String> consumedTopics) {
    this.registry = registry;
    consumedTopics.forEach(this::deadLetters);
    this.duration =
        Timer.builder(Metrics.name(AREA, "evaluation.duration"))
            .description("Wall time of one candidate evaluation, bundle fetch to decision")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(10))
            .maximumExpectedValue(Duration.ofMinutes(10))
            .register(registry);
    Gauge.builder(Metrics.name(AREA, "evaluations.in.progress"), inProgress, AtomicInteger::get)
        .description("Candidate evaluations running now")
        .register(registry);
    for (Decision d : new Decision[] {Decision.RELEASE, Decision.REJECT}) {
      evaluations(d); // present at 0 from the start, so rates work from the first scrape
    }
  }

  void evaluationStarted() {
    inProgress.incrementAndGet();
  }

  void evaluationEnded() {
    inProgress.decrementAndGet();
  }

  int inProgress() {
    return inProgress.get();
  }

  void evaluated(Decision decision, Iterable<GateCheck> checks, Duration took) {
    evaluations(decision).increment();
    for (GateCheck check : checks) {
      Counter.builder(Metrics.name(AREA, "checks"))
          .description("Gate check verdicts by check name")
          .tag("check", check.getName())
          .tag("result", check.getPassed() ? "pass" : "fail")
          .register(registry)
          .increment();
    }
    duration.record(took);
  }

  void released(ModelReleased release, boolean automaticRollback) {
    Counter.builder(Metrics.name(AREA, "releases"))
        .description("Releases by kind")
        .tag("kind", release.getKind().name())
        .register(registry)
        .increment();
    if (release.getKind() == ReleaseKind.ROLLED_BACK) {
      rollbacks(release.getModel().getModel(), automaticRollback).increment();
    }
  }

  private Counter rollbacks(String model, boolean automatic) {
    return Counter.builder(Metrics.name(AREA, "rollbacks"))
        .description("Rollbacks, automatic (live quality) or manual")
        .tag("model", model)
        .tag("trigger", automatic ? "live_quality" : "manual")
        .register(registry);
  }

  /** Points the champion gauges of the release's model at it. */
  void champion(ModelReleased release) {
    String model = release.getModel().getModel();
    Champion holder =
        champions.computeIfAbsent(
            model,
            m -> {
              Champion c = new Champion();
              Gauge.builder(Metrics.name(AREA, "champion.version"), c, h -> h.version)
                  .description("Version of the current champion")
                  .tag("model", m)
                  .register(registry);
              Gauge.builder(Metrics.name(AREA, "champion.accuracy"), c, h -> h.accuracy)
                  .description("Holdout accuracy of the current champion at its evaluation")
                  .tag("model", m)
                  .register(registry);
              // A model with a champion can be rolled back: its counters start at 0.
              rollbacks(m, true);
              rollbacks(m, false);
              return c;
            });
    holder.version = release.getModel().getVersion();
    Double accuracy = release.getMetrics().get(Releases.ACCURACY);
    holder.accuracy = accuracy == null ? Double.NaN : accuracy;
  }

  void deadLettered(String topic) {
    deadLetters(topic).increment();
  }

  private Counter deadLetters(String topic) {
    return Counter.builder(Metrics.name(AREA, "dead.letters"))
        .description("Records parked in the dead-letter topic")
        .tag("topic", topic)
        .register(registry);
  }

  private Counter evaluations(Decision decision) {
    return Counter.builder(Metrics.name(AREA, "evaluations"))
        .description("Candidate evaluations by decision")
        .tag("decision", decision.name())
        .register(registry);
  }
}
