package dev.flywheel.slm.reference;

/**
 * Limited-memory BFGS for a smooth convex function, with a backtracking (Armijo) line search.
 * Deterministic: the same function and start give the same iterates.
 */
final class Lbfgs {
  /** A function and its gradient: writes the gradient at {@code x} into {@code grad}. */
  interface Objective {
    double evaluate(double[] x, double[] grad);
  }

  /** Where the search stopped. */
  record Result(double value, int iterations, double gradientNorm, boolean converged) {}

  private Lbfgs() {}

  /**
   * Minimises from {@code x} (updated in place) until the gradient's largest component is at most
   * {@code tolerance} or {@code maxIterations} iterations ran.
   */
  static Result minimize(Objective f, double[] x, int memory, double tolerance, int maxIterations) {
    int n = x.length;
    History history = new History(memory, n);
    double[] g = new double[n];
    double[] gNew = new double[n];
    double[] d = new double[n];
    double[] xNew = new double[n];
    double fx = f.evaluate(x, g);
    int iteration = 0;
    while (true) {
      double gMax = maxAbs(g);
      if (gMax <= tolerance) {
        return new Result(fx, iteration, gMax, true);
      }
      if (iteration >= maxIterations) {
        return new Result(fx, iteration, gMax, false);
      }
      iteration++;
      double slope = descentDirection(history, g, d);
      LineSearch search = lineSearch(f, x, d, fx, slope, xNew, gNew);
      double fNew = search.value();
      if (!(fNew < fx) && search.exhausted()) {
        return new Result(fx, iteration, maxAbs(g), false);
      }
      history.remember(x, xNew, g, gNew);
      boolean flat = Math.abs(fx - fNew) <= 1e-12 * Math.max(1.0, Math.abs(fx));
      System.arraycopy(xNew, 0, x, 0, n);
      System.arraycopy(gNew, 0, g, 0, n);
      fx = fNew;
      if (flat) {
        return new Result(fx, iteration, maxAbs(g), true);
      }
    }
  }

  /**
   * Writes the search direction {@code -H g} into {@code d} and returns its slope {@code g . d};
   * when that is not downhill (numerical trouble), restarts from steepest descent and forgets the
   * history.
   */
  private static double descentDirection(History history, double[] g, double[] d) {
    history.inverseHessianTimes(g, d);
    for (int i = 0; i < d.length; i++) {
      d[i] = -d[i];
    }
    double slope = dot(g, d);
    if (slope >= 0) {
      for (int i = 0; i < d.length; i++) {
        d[i] = -g[i] / Math.max(1.0, Math.sqrt(dot(g, g)));
      }
      slope = dot(g, d);
      history.forget();
    }
    return slope;
  }

  /** The value at the accepted step, and whether the search gave up without an Armijo step. */
  private record LineSearch(double value, boolean exhausted) {}

  /**
   * Backtracks from a unit step along {@code d}, halving until the Armijo condition holds or 50
   * halvings ran; leaves the point tried last in {@code xNew} and its gradient in {@code gNew}.
   */
  private static LineSearch lineSearch(
      Objective f, double[] x, double[] d, double fx, double slope, double[] xNew, double[] gNew) {
    double step = 1.0;
    double fNew;
    int tries = 0;
    while (true) {
      for (int i = 0; i < x.length; i++) {
        xNew[i] = x[i] + step * d[i];
      }
      fNew = f.evaluate(xNew, gNew);
      if (fNew <= fx + 1e-4 * step * slope || ++tries > 50) {
        break;
      }
      step *= 0.5;
    }
    return new LineSearch(fNew, tries > 50);
  }

  /** The last {@code memory} steps and gradient changes, kept in a ring. */
  private static final class History {
    private final int memory;
    private final double[][] s;
    private final double[][] y;
    private final double[] rho;
    private final double[] alpha;
    private int stored;
    private int next;

    History(int memory, int n) {
      this.memory = memory;
      this.s = new double[memory][n];
      this.y = new double[memory][n];
      this.rho = new double[memory];
      this.alpha = new double[memory];
    }

    /** Two-loop recursion: writes {@code H g} into {@code d}. */
    void inverseHessianTimes(double[] g, double[] d) {
      System.arraycopy(g, 0, d, 0, g.length);
      for (int k = 0; k < stored; k++) {
        int j = Math.floorMod(next - 1 - k, memory);
        alpha[j] = rho[j] * dot(s[j], d);
        axpy(-alpha[j], y[j], d);
      }
      double gamma;
      if (stored > 0) {
        int last = Math.floorMod(next - 1, memory);
        gamma = dot(s[last], y[last]) / dot(y[last], y[last]);
      } else {
        gamma = 1.0 / Math.max(1.0, Math.sqrt(dot(g, g)));
      }
      for (int i = 0; i < d.length; i++) {
        d[i] *= gamma;
      }
      for (int k = stored - 1; k >= 0; k--) {
        int j = Math.floorMod(next - 1 - k, memory);
        double beta = rho[j] * dot(y[j], d);
        axpy(alpha[j] - beta, s[j], d);
      }
    }

    void forget() {
      stored = 0;
    }

    /** Records the step from x to xNew, unless its curvature is too small to keep. */
    void remember(double[] x, double[] xNew, double[] g, double[] gNew) {
      double[] sNext = s[next];
      double[] yNext = y[next];
      for (int i = 0; i < x.length; i++) {
        sNext[i] = xNew[i] - x[i];
        yNext[i] = gNew[i] - g[i];
      }
      double sy = dot(sNext, yNext);
      if (sy > 1e-12) {
        rho[next] = 1.0 / sy;
        next = (next + 1) % memory;
        stored = Math.min(stored + 1, memory);
      }
    }
  }

  private static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }

  private static void axpy(double a, double[] x, double[] y) {
    for (int i = 0; i < x.length; i++) {
      y[i] += a * x[i];
    }
  }

  private static double maxAbs(double[] v) {
    double max = 0;
    for (double x : v) {
      max = Math.max(max, Math.abs(x));
    }
    return max;
  }
}
