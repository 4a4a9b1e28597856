package dev.flywheel.slm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Measures a classifier on labeled examples: quality figures and single-text latency. */
public final class Evaluator {
  /** Default number of single-text predictions timed for the latency percentiles. */
  public static final int DEFAULT_LATENCY_SAMPLES = 200;

  private static final int WARMUP = 10;

  private Evaluator() {}

  /** Evaluates with {@link #DEFAULT_LATENCY_SAMPLES} latency samples. */
  public static EvaluationReport evaluate(TextClassifier classifier, List<Example> examples) {
    return evaluate(classifier, examples, DEFAULT_LATENCY_SAMPLES);
  }

  /**
   * Evaluates; quality figures use batched prediction, then the first {@code latencySamples}
   * examples are predicted one at a time (after a short warm-up) for p50/p95 latency.
   *
   * @param latencySamples 0 skips latency measurement (percentiles are NaN)
   * @throws IllegalArgumentException when examples is empty or holds a label the model lacks
   */
  public static EvaluationReport evaluate(
      TextClassifier classifier, List<Example> examples, int latencySamples) {
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("no examples to evaluate");
    }
    List<String> labels = classifier.labels();
    List<String> unknown =
        examples.stream().map(Example::label).filter(l -> !labels.contains(l)).distinct().toList();
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "examples carry labels the model does not know: " + unknown + " (model: " + labels + ")");
    }
    List<Prediction> predictions =
        classifier.predictBatch(examples.stream().map(Example::text).toList());
    List<ExampleOutcome> outcomes = new ArrayList<>(examples.size());
    for (int i = 0; i < examples.size(); i++) {
      Example e = examples.get(i);
      Prediction p = predictions.get(i);
      outcomes.add(
          new ExampleOutcome(
              e.id(), e.label(), p.label(), p.confidence(), p.label().equals(e.label())));
    }
    double[] latencies = latencies(classifier, examples, latencySamples);
    return EvaluationReport.of(
        labels, outcomes, percentile(latencies, 0.50), percentile(latencies, 0.95));
  }

  private static double[] latencies(
      TextClassifier classifier, List<Example> examples, int samples) {
    int n = Math.min(samples, examples.size());
    if (n <= 0) {
      return new double[0];
    }
    for (int i = 0; i < Math.min(WARMUP, n); i++) {
      classifier.predict(examples.get(i).text());
    }
    double[] millis = new double[n];
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      classifier.predict(examples.get(i).text());
      millis[i] = (System.nanoTime() - start) / 1e6;
    }
    return millis;
  }

  /** Nearest-rank percentile; NaN for no values. */
  static double percentile(double[] values, double quantile) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(quantile * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
