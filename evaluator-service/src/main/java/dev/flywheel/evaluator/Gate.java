package dev.flywheel.evaluator;

import dev.flywheel.events.Decision;
import dev.flywheel.events.GateCheck;
import dev.flywheel.events.GatePolicy;
import dev.flywheel.events.LabelMetrics;
import dev.flywheel.events.ModelMetrics;
import dev.flywheel.events.PriorBaseline;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The release gate as pure logic: a candidate's metrics (and, when a champion exists, the
 * champion's metrics and both models' per-example correctness on the same examples) against a
 * {@link GatePolicy}. Every check is reported with its value, threshold and verdict; the candidate
 * is released only when every check passes.
 *
 * <p>With no champion the prior predictor is the zero champion: the candidate must beat the
 * accuracy of always answering the training snapshot's majority label by the policy's {@code
 * minImprovement} ({@code min_improvement}), and, when significance is required, an exact one-sided
 * binomial test of its correct answers against that accuracy plus the margin must reject at the
 * policy's level ({@code significance}). The champion comparison does not look at the prior.
 */
public final class Gate {

  /**
   * Slack for comparisons at a threshold: metrics are ratios of counts, and a difference such as
   * {@code 0.80 - 0.78} is not exactly {@code 0.02} in binary floating point.
   */
  static final double EPSILON = 1e-9;

  private Gate() {}

  /**
   * The champion side of a comparison: its metrics and, per example in the same order as the
   * candidate's array, whether each model was correct.
   */
  public record Comparison(
      ModelMetrics champion, boolean[] candidateCorrect, boolean[] championCorrect) {

    /** Checks that both correctness arrays cover the same examples. */
    public Comparison {
      if (candidateCorrect.length != championCorrect.length) {
        throw new IllegalArgumentException(
            "paired correctness arrays differ in length: candidate "
                + candidateCorrect.length
                + ", champion "
                + championCorrect.length);
      }
    }

    /** Examples the champion got right and the candidate got wrong. */
    long championOnly() {
      long b = 0;
      for (int i = 0; i < candidateCorrect.length; i++) {
        if (championCorrect[i] && !candidateCorrect[i]) {
          b++;
        }
      }
      return b;
    }

    /** Examples the candidate got right and the champion got wrong. */
    long candidateOnly() {
      long c = 0;
      for (int i = 0; i < candidateCorrect.length; i++) {
        if (candidateCorrect[i] && !championCorrect[i]) {
          c++;
        }
      }
      return c;
    }
  }

  /**
   * The zero champion: the prior predictor's accuracy on the evaluation set, and how many of those
   * {@code examples} the candidate got right.
   */
  public record PriorComparison(PriorBaseline prior, long candidateCorrect, long examples) {

    /** Checks that the counts describe one evaluation set. */
    public PriorComparison {
      if (examples < 0 || candidateCorrect < 0 || candidateCorrect > examples) {
        throw new IllegalArgumentException(
            "candidate right on " + candidateCorrect + " of " + examples + " examples");
      }
    }

    /** The comparison for a candidate with this per-example correctness. */
    public static PriorComparison of(PriorBaseline prior, boolean[] candidateCorrect) {
      long right = 0;
      for (boolean c : candidateCorrect) {
        right += c ? 1 : 0;
      }
      return new PriorComparison(prior, right, candidateCorrect.length);
    }
  }

  /** The gate's verdict: every check in order, the decision, its reasons and the p-value. */
  public record Result(
      List<GateCheck> checks, Decision decision, List<String> reasons, Optional<Double> pValue) {

    /** Copies the lists so the result stays immutable. */
    public Result {
      checks = List.copyOf(checks);
      reasons = List.copyOf(reasons);
    }

    /** Whether the candidate may be released. */
    public boolean released() {
      return decision == Decision.RELEASE;
    }
  }

  /**
   * Judges a candidate; {@code comparison} is empty when there is no champion yet, and {@code
   * prior} is then the zero champion it is held to.
   */
  public static Result evaluate(
      GatePolicy policy,
      ModelMetrics candidate,
      Optional<Comparison> comparison,
      PriorComparison prior) {
    List<GateCheck> checks = new ArrayList<>();
    checks.add(
        atLeast(
            "min_accuracy", candidate.getAccuracy(), policy.getMinAccuracy(), "holdout accuracy"));
    checks.add(
        atLeast(
            "min_macro_f1", candidate.getMacroF1(), policy.getMinMacroF1(), "holdout macro-F1"));
    double p =
        comparison.isPresent()
            ? checkAgainstChampion(policy, candidate, comparison.get(), checks)
            : checkAgainstPrior(policy, candidate, prior, checks);
    checks.addAll(budgetChecks(policy, candidate));
    return decide(checks, passedNote(comparison, prior), Optional.of(p));
  }

  /**
   * Adds the checks against the champion (regressions, per-label recall, improvement and, when
   * required, McNemar significance) and returns the McNemar p-value.
   */
  private static double checkAgainstChampion(
      GatePolicy policy, ModelMetrics candidate, Comparison cmp, List<GateCheck> checks) {
    ModelMetrics champion = cmp.champion();
    checks.add(
        atMost(
            "accuracy_regression",
            champion.getAccuracy() - candidate.getAccuracy(),
            policy.getMaxAccuracyRegression(),
            "accuracy drop against the champion"));
    checks.add(
        atMost(
            "macro_f1_regression",
            champion.getMacroF1() - candidate.getMacroF1(),
            policy.getMaxMacroF1Regression(),
            "macro-F1 drop against the champion"));
    checks.addAll(labelRecallChecks(policy, candidate, champion));
    checks.add(
        atLeast(
            "min_improvement",
            candidate.getAccuracy() - champion.getAccuracy(),
            policy.getMinImprovement(),
            "accuracy gain over the champion"));
    long b = cmp.championOnly();
    long c = cmp.candidateOnly();
    double p = McNemar.exactPValue(b, c);
    if (policy.getRequireSignificance()) {
      checks.add(significance(p, policy.getSignificanceLevel(), b, c));
    }
    return p;
  }

  /**
   * Adds the checks against the prior predictor (improvement and, when required, the binomial test)
   * and returns the binomial p-value.
   */
  private static double checkAgainstPrior(
      GatePolicy policy, ModelMetrics candidate, PriorComparison prior, List<GateCheck> checks) {
    PriorBaseline baseline = prior.prior();
    checks.add(
        atLeast(
            "min_improvement",
            candidate.getAccuracy() - baseline.getMajorityAccuracy(),
            policy.getMinImprovement(),
            "accuracy gain over the prior (always '" + baseline.getMajorityLabel() + "')"));
    double nullAccuracy =
        Math.min(1.0, Math.max(0.0, baseline.getMajorityAccuracy() + policy.getMinImprovement()));
    double p = Binomial.upperTail(prior.candidateCorrect(), prior.examples(), nullAccuracy);
    if (policy.getRequireSignificance()) {
      checks.add(priorSignificance(p, policy.getSignificanceLevel(), prior, nullAccuracy));
    }
    return p;
  }

  /** The latency and size checks, each only when the policy sets its budget. */
  private static List<GateCheck> budgetChecks(GatePolicy policy, ModelMetrics candidate) {
    List<GateCheck> checks = new ArrayList<>();
    if (policy.getMaxLatencyP95Millis() != null) {
      checks.add(
          budget(
              "latency_p95",
              candidate.getLatencyP95Ms(),
              policy.getMaxLatencyP95Millis(),
              "p95 single-example inference latency (ms)"));
    }
    if (policy.getMaxSizeBytes() != null) {
      Long size = candidate.getSizeBytes();
      checks.add(
          budget(
              "size_bytes",
              size == null ? null : size.doubleValue(),
              policy.getMaxSizeBytes().doubleValue(),
              "bundle size (bytes)"));
    }
    return checks;
  }

  /** What a release with no champion adds to "all checks passed": the prior it was held to. */
  private static String passedNote(Optional<Comparison> comparison, PriorComparison prior) {
    return comparison.isPresent()
        ? ""
        : String.format(
            Locale.ROOT,
            " (no champion yet: compared with the prior, always '%s' at %s)",
            prior.prior().getMajorityLabel(),
            fmt(prior.prior().getMajorityAccuracy()));
  }

  private static Result decide(List<GateCheck> checks, String passedNote, Optional<Double> pValue) {
    List<String> reasons = new ArrayList<>();
    for (GateCheck check : checks) {
      if (!check.getPassed()) {
        reasons.add(check.getName() + " failed: " + check.getDetail());
      }
    }
    Decision decision = reasons.isEmpty() ? Decision.RELEASE : Decision.REJECT;
    if (reasons.isEmpty()) {
      reasons.add("all " + checks.size() + " checks passed" + passedNote);
    }
    return new Result(checks, decision, reasons, pValue);
  }

  private static List<GateCheck> labelRecallChecks(
      GatePolicy policy, ModelMetrics candidate, ModelMetrics champion) {
    List<GateCheck> checks = new ArrayList<>();
    Map<String, LabelMetrics> championLabels = new TreeMap<>(champion.getPerLabel());
    for (Map.Entry<String, LabelMetrics> entry : championLabels.entrySet()) {
      long support = entry.getValue().getSupport();
      if (support == 0) {
        continue; // a label absent from the evaluation set has no recall to regress
      }
      LabelMetrics mine = candidate.getPerLabel().get(entry.getKey());
      double candidateRecall = mine == null ? 0.0 : mine.getRecall();
      double drop = entry.getValue().getRecall() - candidateRecall;
      String what = "recall drop of label '" + entry.getKey() + "' against the champion";
      if (support < policy.getMinLabelSupport()) {
        // On a handful of examples one example moves recall past any sensible threshold: a
        // 2-example label would veto a candidate that is better everywhere else. Shown, not gated.
        checks.add(
            check(
                "recall_regression:" + entry.getKey(),
                drop,
                policy.getMaxLabelRecallRegression(),
                true,
                what
                    + " "
                    + fmt(drop)
                    + " not judged: "
                    + support
                    + " examples, fewer than min_label_support "
                    + policy.getMinLabelSupport()));
        continue;
      }
      checks.add(
          atMost(
              "recall_regression:" + entry.getKey(),
              drop,
              policy.getMaxLabelRecallRegression(),
              what));
    }
    return checks;
  }

  private static GateCheck significance(double p, double level, long b, long c) {
    boolean candidateBetter = c > b;
    boolean passed = candidateBetter && p < level;
    String detail =
        String.format(
            Locale.ROOT,
            "McNemar exact test: candidate-only correct %d, champion-only correct %d, p=%.4g %s %s%s",
            c,
            b,
            p,
            p < level ? "<" : ">=",
            fmt(level),
            candidateBetter ? "" : " (candidate does not win more discordant pairs)");
    return check("significance", p, level, passed, detail);
  }

  private static GateCheck priorSignificance(
      double p, double level, PriorComparison prior, double nullAccuracy) {
    boolean passed = p < level;
    String detail =
        String.format(
            Locale.ROOT,
            "exact one-sided binomial test: candidate right on %d of %d, against the prior's"
                + " accuracy %s plus the margin (%s), p=%.4g %s %s",
            prior.candidateCorrect(),
            prior.examples(),
            fmt(prior.prior().getMajorityAccuracy()),
            fmt(nullAccuracy),
            p,
            passed ? "<" : ">=",
            fmt(level));
    return check("significance", p, level, passed, detail);
  }

  private static GateCheck atLeast(String name, double value, double threshold, String what) {
    boolean passed = value >= threshold - EPSILON;
    return check(
        name,
        value,
        threshold,
        passed,
        what + " " + fmt(value) + (passed ? " >= " : " < ") + fmt(threshold));
  }

  private static GateCheck atMost(String name, double value, double threshold, String what) {
    boolean passed = value <= threshold + EPSILON;
    return check(
        name,
        value,
        threshold,
        passed,
        what + " " + fmt(value) + (passed ? " <= " : " > ") + fmt(threshold));
  }

  private static GateCheck budget(String name, Double value, double threshold, String what) {
    if (value == null) {
      return check(name, null, threshold, false, what + " was not measured");
    }
    return atMost(name, value, threshold, what);
  }

  private static GateCheck check(
      String name, Double value, Double threshold, boolean passed, String detail) {
    return GateCheck.newBuilder()
        .setName(name)
        .setValue(value)
        .setThreshold(threshold)
        .setPassed(passed)
        .setDetail(detail)
        .build();
  }

  private static String fmt(double value) {
    return String.format(Locale.ROOT, "%.4f", value);
  }
}
