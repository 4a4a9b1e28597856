package dev.flywheel.evaluator;

import dev.flywheel.events.PriorBaseline;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The prior predictor of a candidate, scored on its evaluation set: a model that learned only the
 * label frequencies of the candidate's training snapshot. Two forms are reported: always answering
 * the most frequent training label (the majority label, which the gate holds a first candidate to)
 * and answering at random with the training frequencies (the class-frequency prior).
 */
final class PriorPredictor {

  static final String FROM_TRAINING = "training";
  static final String FROM_EVALUATION = "evaluation";

  private PriorPredictor() {}

  /**
   * The prior of {@code trainingCounts} (non-holdout examples per label, as the candidate's
   * snapshot recorded them) on examples with these {@code evaluationLabels}. A snapshot without
   * counts (written before they were recorded) takes the frequencies of the evaluation set itself.
   */
  static PriorBaseline score(Map<String, Long> trainingCounts, List<String> evaluationLabels) {
    Map<String, Long> evaluation = new TreeMap<>();
    for (String label : evaluationLabels) {
      evaluation.merge(label, 1L, Long::sum);
    }
    Map<String, Long> training = new TreeMap<>();
    trainingCounts.forEach(
        (label, count) -> {
          if (count != null && count > 0) {
            training.put(label, count);
          }
        });
    String source = FROM_TRAINING;
    if (training.isEmpty()) {
      training.putAll(evaluation);
      source = FROM_EVALUATION;
    }
    long n = evaluationLabels.size();
    String majority = majority(training, evaluation);
    long trainingTotal = training.values().stream().mapToLong(Long::longValue).sum();
    double classPrior = 0;
    if (n > 0 && trainingTotal > 0) {
      for (Map.Entry<String, Long> e : training.entrySet()) {
        long inEvaluation = evaluation.getOrDefault(e.getKey(), 0L);
        classPrior += ((double) e.getValue() / trainingTotal) * ((double) inEvaluation / n);
      }
    }
    double majorityAccuracy =
        n == 0 || majority == null ? 0.0 : (double) evaluation.getOrDefault(majority, 0L) / n;
    return PriorBaseline.newBuilder()
        .setMajorityLabel(majority == null ? "" : majority)
        .setMajorityAccuracy(majorityAccuracy)
        .setClassPriorAccuracy(classPrior)
        .setExamples(n)
        .setFrequencySource(source)
        .build();
  }

  /**
   * The most frequent training label. A tie goes to the label more frequent in the evaluation set,
   * so that the gate is never lenient by an accident of ordering; then to the first by name.
   */
  private static String majority(Map<String, Long> training, Map<String, Long> evaluation) {
    String best = null;
    for (Map.Entry<String, Long> e : training.entrySet()) {
      if (best == null) {
        best = e.getKey();
        continue;
      }
      int byTraining = Long.compare(e.getValue(), training.get(best));
      int byEvaluation =
          Long.compare(evaluation.getOrDefault(e.getKey(), 0L), evaluation.getOrDefault(best, 0L));
      if (byTraining > 0 || (byTraining == 0 && byEvaluation > 0)) {
        best = e.getKey();
      }
    }
    return best;
  }
}
