package dev.flywheel.feedback;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The knobs of the feedback topology (not of the Kafka clients).
 *
 * @param joinWindow how long before a feedback event its prediction may have been made
 * @param joinGrace how late (out of order) a prediction may arrive, and how far after the feedback
 *     its timestamp may lie; feedback still unmatched once stream time passes its timestamp plus
 *     twice this is dead-lettered
 * @param dedupRetention how long an idempotency id is remembered; at least the join window plus
 *     grace, so a duplicate can never be joined twice
 * @param qualityWindow size of the tumbling live-quality windows
 * @param qualityGrace how late an event may arrive and still count in its quality window
 * @param qualityRetention how long quality windows stay queryable over HTTP
 * @param confirmationWeight training weight of a label confirmed by a thumbs up
 * @param correctionWeight training weight of a corrected, submitted or thumbs-down-derived label
 * @param triggerCheckInterval how often (wall clock) the retrain trigger re-checks models whose
 *     request waits for the cooldown to end
 * @param inMemoryStores in-memory state stores instead of RocksDB (for the TopologyTestDriver)
 */
public record FeedbackSettings(
    Duration joinWindow,
    Duration joinGrace,
    Duration dedupRetention,
    Duration qualityWindow,
    Duration qualityGrace,
    Duration qualityRetention,
    float confirmationWeight,
    float correctionWeight,
    Duration triggerCheckInterval,
    boolean inMemoryStores) {

  public FeedbackSettings {
    List<String> problems = new ArrayList<>();
    positive(problems, "joinWindow", joinWindow);
    notNegative(problems, "joinGrace", joinGrace);
    positive(problems, "dedupRetention", dedupRetention);
    positive(problems, "qualityWindow", qualityWindow);
    notNegative(problems, "qualityGrace", qualityGrace);
    positive(problems, "qualityRetention", qualityRetention);
    positive(problems, "triggerCheckInterval", triggerCheckInterval);
    if (problems.isEmpty()) {
      if (dedupRetention.compareTo(joinWindow.plus(joinGrace.multipliedBy(2))) < 0) {
        problems.add("dedupRetention must be at least joinWindow + 2 x joinGrace");
      }
      if (qualityRetention.compareTo(qualityWindow.plus(qualityGrace)) < 0) {
        problems.add("qualityRetention must be at least qualityWindow + qualityGrace");
      }
    }
    if (!(confirmationWeight > 0 && confirmationWeight <= correctionWeight)) {
      problems.add("weights must satisfy 0 < confirmationWeight <= correctionWeight");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid feedback settings: " + problems);
    }
  }

  /** 24 h join window with 5 min grace, 5 min quality windows kept a day, weights 0.5 and 1. */
  public static FeedbackSettings defaults() {
    Duration window = Duration.ofHours(24);
    Duration grace = Duration.ofMinutes(5);
    return new FeedbackSettings(
        window,
        grace,
        window.plus(grace.multipliedBy(2)),
        Duration.ofMinutes(5),
        Duration.ofMinutes(1),
        Duration.ofHours(24),
        0.5f,
        1.0f,
        Duration.ofSeconds(5),
        false);
  }

  /** These settings with another join window and grace; dedup retention follows if too short. */
  public FeedbackSettings withJoin(Duration window, Duration grace) {
    Duration minimum = window.plus(grace.multipliedBy(2));
    Duration dedup = dedupRetention.compareTo(minimum) < 0 ? minimum : dedupRetention;
    return new FeedbackSettings(
        window,
        grace,
        dedup,
        qualityWindow,
        qualityGrace,
        qualityRetention,
        confirmationWeight,
        correctionWeight,
        triggerCheckInterval,
        inMemoryStores);
  }

  /** These settings with another quality window and grace. */
  public FeedbackSettings withQualityWindow(Duration window, Duration grace) {
    Duration minimum = window.plus(grace);
    Duration retention = qualityRetention.compareTo(minimum) < 0 ? minimum : qualityRetention;
    return new FeedbackSettings(
        joinWindow,
        joinGrace,
        dedupRetention,
        window,
        grace,
        retention,
        confirmationWeight,
        correctionWeight,
        triggerCheckInterval,
        inMemoryStores);
  }

  /** These settings with another trigger re-check interval. */
  public FeedbackSettings withTriggerCheckInterval(Duration interval) {
    return new FeedbackSettings(
        joinWindow,
        joinGrace,
        dedupRetention,
        qualityWindow,
        qualityGrace,
        qualityRetention,
        confirmationWeight,
        correctionWeight,
        interval,
        inMemoryStores);
  }

  /** These settings with in-memory (true) or RocksDB (false) state stores. */
  public FeedbackSettings withInMemoryStores(boolean inMemory) {
    return new FeedbackSettings(
        joinWindow,
        joinGrace,
        dedupRetention,
        qualityWindow,
        qualityGrace,
        qualityRetention,
        confirmationWeight,
        correctionWeight,
        triggerCheckInterval,
        inMemory);
  }

  private static void positive(List<String> problems, String name, Duration value) {
    if (Objects.isNull(value) || value.isZero() || value.isNegative()) {
      problems.add(name + " must be positive");
    }
  }

  private static void notNegative(List<String> problems, String name, Duration value) {
    if (Objects.isNull(value) || value.isNegative()) {
      problems.add(name + " must not be negative");
    }
  }
}
