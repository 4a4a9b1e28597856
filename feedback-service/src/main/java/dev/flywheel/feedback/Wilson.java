package dev.flywheel.feedback;

/**
 * The Wilson score interval of a binomial proportion: unlike the normal approximation it stays
 * inside [0, 1] and behaves with few trials, which is what live accuracy from a trickle of feedback
 * needs.
 */
record Wilson(double estimate, double lower, double upper) {
  /** z of a two-sided 95 % interval. */
  static final double Z95 = 1.959963984540054;

  /** Confidence level of {@link #Z95}. */
  static final double CONFIDENCE = 0.95;

  /** The 95 % interval of {@code successes} out of {@code trials}; {@code trials} must be > 0. */
  static Wilson of(long successes, long trials) {
    if (trials <= 0 || successes < 0 || successes > trials) {
      throw new IllegalArgumentException(successes + " successes of " + trials + " trials");
    }
    double n = trials;
    double p = successes / n;
    double z2 = Z95 * Z95;
    double denominator = 1 + z2 / n;
    double centre = (p + z2 / (2 * n)) / denominator;
    double half = Z95 * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
    return new Wilson(p, Math.max(0.0, centre - half), Math.min(1.0, centre + half));
  }
}
