package dev.flywheel.evaluator;

/**
 * The exact one-sided binomial test the gate uses when there is no champion: under the null
 * hypothesis the candidate is right on each of the {@code n} evaluation examples with probability
 * {@code p0} (the prior's accuracy plus the policy's margin), so the number it gets right follows
 * Binomial(n, p0), and the p-value is the upper tail P(X >= k).
 */
public final class Binomial {

  private Binomial() {}

  /**
   * One-sided exact p-value P(X >= k) for X ~ Binomial(n, p).
   *
   * @param k successes observed (examples the candidate got right)
   * @param n trials (examples evaluated)
   * @param p success probability under the null hypothesis, in [0, 1]
   */
  public static double upperTail(long k, long n, double p) {
    if (n < 0 || k > n || !(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(
          "need 0 <= n, k <= n and 0 <= p <= 1, got k=" + k + " n=" + n + " p=" + p);
    }
    if (k <= 0) {
      return 1.0;
    }
    if (p == 0) {
      return 0.0; // X is always 0, and k > 0
    }
    if (p == 1) {
      return 1.0; // X is always n, and k <= n
    }
    // Terms C(n, i) p^i (1-p)^(n-i) for i in [k, n], in log space: C(n, i) and p^i leave the range
    // of a double long before n reaches the size of a realistic evaluation set.
    double logP = Math.log(p);
    double logQ = Math.log1p(-p);
    double logTerm = logChoose(n, k) + k * logP + (n - k) * logQ;
    int count = (int) (n - k + 1);
    double[] logs = new double[count];
    double maxLog = logTerm;
    logs[0] = logTerm;
    for (int j = 1; j < count; j++) {
      long i = k + j - 1; // from term i to term i + 1
      logTerm += Math.log(n - i) - Math.log(i + 1.0) + logP - logQ;
      logs[j] = logTerm;
      maxLog = Math.max(maxLog, logTerm);
    }
    double sum = 0;
    for (double l : logs) {
      sum += Math.exp(l - maxLog);
    }
    return Math.min(1.0, Math.exp(maxLog + Math.log(sum)));
  }

  /** log C(n, k), summed as logs of ratios so that it stays exact to rounding for any n. */
  private static double logChoose(long n, long k) {
    long m = Math.min(k, n - k);
    double sum = 0;
    for (long i = 1; i <= m; i++) {
      sum += Math.log(n - m + i) - Math.log(i);
    }
    return sum;
  }
}
