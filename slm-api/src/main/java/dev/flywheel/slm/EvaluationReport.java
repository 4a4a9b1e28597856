package dev.flywheel.slm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's quality on a labeled set.
 *
 * @param labels label order of {@code confusion}
 * @param examples number of examples
 * @param accuracy share of correct predictions
 * @param macroF1 unweighted mean of the per-label F1 over labels with support or predictions
 * @param perLabel precision, recall, F1 and support per label
 * @param confusion {@code confusion[truth][predicted]} counts, in {@code labels} order
 * @param expectedCalibrationError ECE over {@value #CALIBRATION_BINS} equal-width confidence bins
 * @param outcomes per-example results ordered by example id
 * @param latencyP50Millis median single-text prediction latency, NaN when not measured
 * @param latencyP95Millis 95th percentile single-text prediction latency, NaN when not measured
 */
public record EvaluationReport(
    List<String> labels,
    int examples,
    double accuracy,
    double macroF1,
    Map<String, LabelMetrics> perLabel,
    int[][] confusion,
    double expectedCalibrationError,
    List<ExampleOutcome> outcomes,
    double latencyP50Millis,
    double latencyP95Millis) {

  /** Number of equal-width confidence bins used for the expected calibration error. */
  public static final int CALIBRATION_BINS = 10;

  /**
   * Computes every figure from per-example outcomes (pure; the evaluator and tests share it).
   *
   * @param labels the model's labels; every outcome's label and prediction must be one of them
   * @throws IllegalArgumentException for an empty list or a label outside {@code labels}
   */
  public static EvaluationReport of(
      List<String> labels, List<ExampleOutcome> outcomes, double latencyP50, double latencyP95) {
    if (outcomes.isEmpty()) {
      throw new IllegalArgumentException("no outcomes to evaluate");
    }
    int[][] confusion = confusion(labels, outcomes);
    int correct = 0;
    for (ExampleOutcome o : outcomes) {
      correct += o.correct() ? 1 : 0;
    }
    int n = outcomes.size();
    LabelScores scores = labelScores(labels, confusion);
    List<ExampleOutcome> sorted = new ArrayList<>(outcomes);
    sorted.sort(Comparator.comparing(ExampleOutcome::id));
    return new EvaluationReport(
        List.copyOf(labels),
        n,
        (double) correct / n,
        scores.macroF1(),
        scores.perLabel(),
        confusion,
        expectedCalibrationError(outcomes),
        List.copyOf(sorted),
        latencyP50,
        latencyP95);
  }

  /** {@code confusion[truth][predicted]} counts in {@code labels} order. */
  private static int[][] confusion(List<String> labels, List<ExampleOutcome> outcomes) {
    Map<String, Integer> index = new HashMap<>();
    for (String label : labels) {
      index.put(label, index.size());
    }
    int[][] confusion = new int[labels.size()][labels.size()];
    for (ExampleOutcome o : outcomes) {
      Integer t = index.get(o.label());
      Integer p = index.get(o.predicted());
      if (t == null || p == null) {
        throw new IllegalArgumentException(
            "example "
                + o.id()
                + " has a label outside "
                + labels
                + ": "
                + o.label()
                + "/"
                + o.predicted());
      }
      confusion[t][p]++;
    }
    return confusion;
  }

  /** ECE: the example-weighted gap between accuracy and mean confidence over the bins. */
  private static double expectedCalibrationError(List<ExampleOutcome> outcomes) {
    double[] binConfidence = new double[CALIBRATION_BINS];
    int[] binCorrect = new int[CALIBRATION_BINS];
    int[] binCount = new int[CALIBRATION_BINS];
    for (ExampleOutcome o : outcomes) {
      int bin = Math.min(CALIBRATION_BINS - 1, (int) (o.confidence() * CALIBRATION_BINS));
      binConfidence[bin] += o.confidence();
      binCorrect[bin] += o.correct() ? 1 : 0;
      binCount[bin]++;
    }
    int n = outcomes.size();
    double ece = 0;
    for (int b = 0; b < CALIBRATION_BINS; b++) {
      if (binCount[b] > 0) {
        double gap =
            Math.abs((double) binCorrect[b] / binCount[b] - binConfidence[b] / binCount[b]);
        ece += (double) binCount[b] / n * gap;
      }
    }
    return ece;
  }

  /** Per-label metrics, and their macro-F1 over labels with support or predictions. */
  private record LabelScores(Map<String, LabelMetrics> perLabel, double macroF1) {}

  private static LabelScores labelScores(List<String> labels, int[][] confusion) {
    int c = labels.size();
    Map<String, LabelMetrics> perLabel = new LinkedHashMap<>();
    double f1Sum = 0;
    int f1Labels = 0;
    for (int k = 0; k < c; k++) {
      int tp = confusion[k][k];
      int support = 0;
      int predicted = 0;
      for (int j = 0; j < c; j++) {
        support += confusion[k][j];
        predicted += confusion[j][k];
      }
      double precision = predicted == 0 ? 0 : (double) tp / predicted;
      double recall = support == 0 ? 0 : (double) tp / support;
      double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
      perLabel.put(labels.get(k), new LabelMetrics(precision, recall, f1, support));
      if (support > 0 || predicted > 0) {
        f1Sum += f1;
        f1Labels++;
      }
    }
    return new LabelScores(perLabel, f1Labels == 0 ? 0 : f1Sum / f1Labels);
  }

  /** Correctness per example, in {@link #outcomes()} (example id) order. */
  public boolean[] correctness() {
    boolean[] out = new boolean[outcomes.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = outcomes.get(i).correct();
    }
    return out;
  }
}
