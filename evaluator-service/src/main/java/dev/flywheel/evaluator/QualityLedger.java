package dev.flywheel.evaluator;

import dev.flywheel.events.QualityReport;
import java.util.HashMap;
import java.util.Map;

/**
 * Live feedback per model version, summed over the quality windows. The feedback service emits
 * updates of a window as it fills, so the latest report of each window replaces the earlier ones
 * and distinct windows add up. Used from the evaluator's single loop thread only.
 */
final class QualityLedger {

  private record VersionKey(String model, int version) {}

  private final Map<VersionKey, Map<Long, QualityReport>> windows = new HashMap<>();

  /** Records a report. */
  void apply(QualityReport report) {
    VersionKey key = new VersionKey(report.getModel().getModel(), report.getModel().getVersion());
    windows
        .computeIfAbsent(key, k -> new HashMap<>())
        .put(report.getWindowStart().toEpochMilli(), report);
  }

  /** Judged live feedback of one version over all its windows. */
  RollbackRule.Live live(String model, int version) {
    long correct = 0;
    long judged = 0;
    for (QualityReport r :
        windows.getOrDefault(new VersionKey(model, version), Map.of()).values()) {
      correct += r.getConfirmations();
      judged += r.getConfirmations() + r.getCorrections() + r.getThumbsDown();
    }
    return new RollbackRule.Live(correct, judged);
  }
}
