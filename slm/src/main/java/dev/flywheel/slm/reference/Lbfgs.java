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
    double[][] s = new double[memory][n];
    double[][] y = new double[memory][n];
    double[] rho = new double[memory];
    double[] alpha = new double[memory];
    double[] g = new double[n];
    double[] gNew = new double[n];
    double[] d = new double[n];
    double[] xNew = new double[n];
    double fx = f.evaluate(x, g);
    int stored = 0;
    int next = 0;
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
      // Two-loop recursion: d = -H g.
      System.arraycopy(g, 0, d, 0, n);
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
      for (int i = 0; i < n; i++) {
        d[i] *= gamma;
      }
      for (int k = stored - 1; k >= 0; k--) {
        int j = Math.floorMod(next - 1 - k, memory);
        double beta = rho[j] * dot(y[j], d);
        axpy(alpha[j] - beta, s[j], d);
      }
      for (int i = 0; i < n; i++) {
        d[i] = -d[i];
      }
      double slope = dot(g, d);
      if (slope >= 0) {
        // Not a descent direction (numerical trouble): restart from steepest descent.
        for (int i = 0; i < n; i++) {
          d[i] = -g[i] / Math.max(1.0, Math.sqrt(dot(g, g)));
        }
        slope = dot(g, d);
        stored = 0;
      }
      double step = 1.0;
      double fNew;
      int tries = 0;
      while (true) {
        for (int i = 0; i < n; i++) {
          xNew[i] = x[i] + step * d[i];
        }
        fNew = f.evaluate(xNew, gNew);
        if (fNew <= fx + 1e-4 * step * slope || ++tries > 50) {
          break;
        }
        step *= 0.5;
      }
      if (!(fNew < fx) && tries > 50) {
        return new Result(fx, iteration, maxAbs(g), false);
      }
      double[] sNext = s[next];
      double[] yNext = y[next];
      for (int i = 0; i < n; i++) {
        sNext[i] = xNew[i] - x[i];
        yNext[i] = gNew[i] - g[i];
      }
      double sy = dot(sNext, yNext);
      if (sy > 1e-12) {
        rho[next] = 1.0 / sy;
        next = (next + 1) % memory;
        stored = Math.min(stored + 1, memory);
      }
      boolean flat = Math.abs(fx - fNew) <= 1e-12 * Math.max(1.0, Math.abs(fx));
      System.arraycopy(xNew, 0, x, 0, n);
      System.arraycopy(gNew, 0, g, 0, n);
      fx = fNew;
      if (flat) {
        return new Result(fx, iteration, maxAbs(g), true);
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
