package dev.flywheel.evaluator;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * When a newly promoted champion must give way to its predecessor. The rule: both versions have at
 * least {@code minFeedback} judged predictions (confirmations, corrections and thumbs-down), and a
 * one-sided two-proportion z-test (pooled variance) says the champion's live accuracy is below the
 * predecessor's at the given significance level ({@code p < level}).
 */
public final class RollbackRule {

  private RollbackRule() {}

  /** Judged live feedback of one model version: how many predictions were judged correct. */
  public record Live(long correct, long judged) {

    /** Checks the counts are consistent. */
    public Live {
      if (correct < 0 || judged < correct) {
        throw new IllegalArgumentException(
            "need 0 <= correct <= judged, got " + correct + "/" + judged);
      }
    }

    /** Live accuracy, NaN without judged feedback. */
    public double accuracy() {
      return judged == 0 ? Double.NaN : (double) correct / judged;
    }
  }

  /** The outcome: whether to roll back, and the evidence behind it either way. */
  public record Verdict(boolean rollBack, Map<String, String> evidence) {

    /** Copies the evidence, keeping its order (it is logged and published as given). */
    public Verdict {
      evidence = Collections.unmodifiableMap(new LinkedHashMap<>(evidence));
    }
  }

  /** Applies the rule to the champion's and its predecessor's live feedback. */
  public static Verdict judge(Live champion, Live predecessor, int minFeedback, double level) {
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("rule", "one-sided two-proportion z-test, pooled, p < level");
    evidence.put("championCorrect", Long.toString(champion.correct()));
    evidence.put("championJudged", Long.toString(champion.judged()));
    evidence.put("predecessorCorrect", Long.toString(predecessor.correct()));
    evidence.put("predecessorJudged", Long.toString(predecessor.judged()));
    evidence.put("minFeedback", Integer.toString(minFeedback));
    evidence.put("level", fmt(level));
    if (champion.judged() < minFeedback || predecessor.judged() < minFeedback) {
      evidence.put("outcome", "not enough feedback");
      return new Verdict(false, evidence);
    }
    evidence.put("championLiveAccuracy", fmt(champion.accuracy()));
    evidence.put("predecessorLiveAccuracy", fmt(predecessor.accuracy()));
    Optional<Double> z = zScore(champion, predecessor);
    if (z.isEmpty()) {
      evidence.put("outcome", "no variance: both versions judged all right or all wrong");
      return new Verdict(false, evidence);
    }
    double p = 1.0 - normalCdf(z.get());
    evidence.put("z", fmt(z.get()));
    evidence.put("pValue", String.format(Locale.ROOT, "%.6g", p));
    boolean rollBack = p < level;
    evidence.put("outcome", rollBack ? "significant drop" : "no significant drop");
    return new Verdict(rollBack, evidence);
  }

  /** z of (predecessor accuracy - champion accuracy) with the pooled standard error. */
  static Optional<Double> zScore(Live champion, Live predecessor) {
    double n1 = champion.judged();
    double n2 = predecessor.judged();
    double pooled = (champion.correct() + predecessor.correct()) / (n1 + n2);
    double se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
    if (se == 0) {
      return Optional.empty();
    }
    return Optional.of((predecessor.accuracy() - champion.accuracy()) / se);
  }

  /** Standard normal CDF via the complementary error function. */
  static double normalCdf(double z) {
    return 0.5 * erfc(-z / Math.sqrt(2));
  }

  /** Complementary error function, fractional error below 1.2e-7 (Numerical Recipes erfcc). */
  static double erfc(double x) {
    double t = 1.0 / (1.0 + 0.5 * Math.abs(x));
    double ans =
        t
            * Math.exp(
                -x * x
                    - 1.26551223
                    + t
                        * (1.00002368
                            + t
                                * (0.37409196
                                    + t
                                        * (0.09678418
                                            + t
                                                * (-0.18628806
                                                    + t
                                                        * (0.27886807
                                                            + t
                                                                * (-1.13520398
                                                                    + t
                                                                        * (1.48851587
                                                                            + t
                                                                                * (-0.82215223
                                                                                    + t
                                                                                        * 0.17087277)))))))));
    return x >= 0 ? ans : 2.0 - ans;
  }

  private static String fmt(double value) {
    return String.format(Locale.ROOT, "%.4f", value);
  }
}
