package dev.flywheel.evaluator;

/**
 * McNemar's exact test on paired per-example correctness: under the null hypothesis both models are
 * equally accurate, so each discordant pair is a fair coin flip and the smaller discordant count
 * follows Binomial(b + c, 1/2). The two-sided p-value is twice the lower tail, capped at 1.
 */
public final class McNemar {

  private McNemar() {}

  /**
   * Two-sided exact p-value.
   *
   * @param b pairs the champion got right and the candidate wrong
   * @param c pairs the candidate got right and the champion wrong
   */
  public static double exactPValue(long b, long c) {
    if (b < 0 || c < 0) {
      throw new IllegalArgumentException("discordant counts must be >= 0, got b=" + b + " c=" + c);
    }
    long n = b + c;
    if (n == 0) {
      return 1.0;
    }
    long k = Math.min(b, c);
    // Sum C(n, i) / 2^n for i in [0, k] in log space: C(n, i) overflows doubles long before n
    // reaches the size of a realistic holdout set.
    double logHalfPowN = n * Math.log(0.5);
    double logTerm = logHalfPowN; // i = 0: C(n, 0) = 1
    double maxLog = logTerm;
    double[] logs = new double[(int) k + 1];
    logs[0] = logTerm;
    for (int i = 0; i < k; i++) {
      logTerm += Math.log(n - i) - Math.log(i + 1.0);
      logs[i + 1] = logTerm;
      maxLog = Math.max(maxLog, logTerm);
    }
    double sum = 0;
    for (double l : logs) {
      sum += Math.exp(l - maxLog);
    }
    double logTail = maxLog + Math.log(sum);
    return Math.min(1.0, 2.0 * Math.exp(logTail));
  }
}
