package dev.flywheel.slm;

/**
 * Per-label figures of an evaluation.
 *
 * @param precision share of predictions of this label that were right (0 when never predicted)
 * @param recall share of this label's examples predicted as it (0 without examples)
 * @param f1 harmonic mean of precision and recall (0 when both are 0)
 * @param support examples whose true label this is
 */
public record LabelMetrics(double precision, double recall, double f1, int support) {}
