package dev.flywheel.slm.reference;

import dev.flywheel.slm.Example;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The classic offline reference: {@link TfidfVectorizer} features and multinomial logistic
 * regression with an L2 penalty, fitted by L-BFGS to convergence — what scikit-learn's {@code
 * TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)} followed by {@code
 * LogisticRegression(C=10)} computes. The default {@code C} is 10, not scikit-learn's 1: with a few
 * hundred examples {@code C=1} underfits (0.58 on 400 WordNet 8-topic examples against 0.66 with
 * {@code C=10}, the figure issue 15 quotes), and a reference should be the strong classic model.
 * The objective is {@code C * sum_i w_i * crossEntropy_i + ||W||^2 / 2} (the intercepts are not
 * penalised), with {@code w_i} the examples' weights. Deterministic; immutable and thread-safe once
 * fitted.
 */
public final class TfidfLogisticRegression {
  /** The default inverse regularisation strength (scikit-learn's default is 1). */
  public static final double DEFAULT_C = 10.0;

  // Largest gradient component at convergence, per unit of C times the examples' total weight.
  private static final double TOLERANCE = 1e-5;
  private static final int MAX_ITERATIONS = 1_000;

  private final TfidfVectorizer vectorizer;
  private final List<String> labels;
  private final double[] weights;
  private final int iterations;
  private final boolean converged;

  private TfidfLogisticRegression(
      TfidfVectorizer vectorizer,
      List<String> labels,
      double[] weights,
      int iterations,
      boolean converged) {
    this.vectorizer = vectorizer;
    this.labels = labels;
    this.weights = weights;
    this.iterations = iterations;
    this.converged = converged;
  }

  /** Fits with {@link #DEFAULT_C}. */
  public static TfidfLogisticRegression fit(List<Example> examples) {
    return fit(examples, DEFAULT_C);
  }

  /**
   * Fits on the examples; labels are the distinct example labels, sorted.
   *
   * @param c inverse regularisation strength (larger: weaker penalty)
   * @throws IllegalArgumentException without examples, with fewer than two labels, or {@code c <=
   *     0}
   */
  public static TfidfLogisticRegression fit(List<Example> examples, double c) {
    if (!(c > 0) || Double.isInfinite(c)) {
      throw new IllegalArgumentException("C must be positive and finite, got " + c);
    }
    TreeSet<String> labelSet = new TreeSet<>();
    for (Example e : examples) {
      labelSet.add(e.label());
    }
    if (labelSet.size() < 2) {
      throw new IllegalArgumentException("needs at least two labels, got " + labelSet);
    }
    List<String> labels = List.copyOf(labelSet);
    Map<String, Integer> labelIndex = new TreeMap<>();
    for (String l : labels) {
      labelIndex.put(l, labelIndex.size());
    }
    TfidfVectorizer vectorizer = TfidfVectorizer.fit(examples.stream().map(Example::text).toList());
    int n = examples.size();
    TfidfVectorizer.SparseVector[] rows = new TfidfVectorizer.SparseVector[n];
    int[] y = new int[n];
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      Example e = examples.get(i);
      rows[i] = vectorizer.transform(e.text());
      y[i] = labelIndex.get(e.label());
      w[i] = e.weight();
    }
    int d = vectorizer.size();
    int k = labels.size();
    double[] theta = new double[k * d + k];
    double totalWeight = 0;
    for (double v : w) {
      totalWeight += v;
    }
    Lbfgs.Result result =
        Lbfgs.minimize(
            new Objective(rows, y, w, d, k, c),
            theta,
            10,
            TOLERANCE * c * totalWeight,
            MAX_ITERATIONS);
    return new TfidfLogisticRegression(
        vectorizer, labels, theta, result.iterations(), result.converged());
  }

  /** The most probable label (the first in label order on a tie). */
  public String predict(String text) {
    double[] p = probabilities(text);
    int best = 0;
    for (int j = 1; j < p.length; j++) {
      if (p[j] > p[best]) {
        best = j;
      }
    }
    return labels.get(best);
  }

  /** Class probabilities in {@link #labels()} order. */
  public double[] probabilities(String text) {
    TfidfVectorizer.SparseVector x = vectorizer.transform(text);
    int d = vectorizer.size();
    int k = labels.size();
    double[] z = new double[k];
    Objective.scores(weights, x, d, k, z);
    Objective.softmaxInPlace(z);
    return z;
  }

  /** Share of the examples whose label is predicted (a label never seen in fitting is wrong). */
  public double accuracy(List<Example> examples) {
    if (examples.isEmpty()) {
      return Double.NaN;
    }
    int correct = 0;
    for (Example e : examples) {
      correct += predict(e.text()).equals(e.label()) ? 1 : 0;
    }
    return (double) correct / examples.size();
  }

  /** The predicted label of each text, in order. */
  public List<String> predictAll(List<String> texts) {
    List<String> out = new ArrayList<>(texts.size());
    for (String t : texts) {
      out.add(predict(t));
    }
    return out;
  }

  public List<String> labels() {
    return labels;
  }

  /** The fitted vectorizer. */
  public TfidfVectorizer vectorizer() {
    return vectorizer;
  }

  /** L-BFGS iterations the fit took. */
  public int iterations() {
    return iterations;
  }

  /** True when the fit stopped because the gradient (or the objective's change) became tiny. */
  public boolean converged() {
    return converged;
  }

  /** The weight of a term for a label (0 for an unknown term). */
  public double coefficient(String label, String term) {
    int j = labels.indexOf(label);
    int col = vectorizer.column(term);
    if (j < 0) {
      throw new IllegalArgumentException("unknown label " + label);
    }
    return col < 0 ? 0 : weights[j * vectorizer.size() + col];
  }

  /** The intercept of a label. */
  public double intercept(String label) {
    int j = labels.indexOf(label);
    if (j < 0) {
      throw new IllegalArgumentException("unknown label " + label);
    }
    return weights[labels.size() * vectorizer.size() + j];
  }

  /** Weighted cross-entropy times C plus half the squared norm of the weights. */
  private record Objective(
      TfidfVectorizer.SparseVector[] rows, int[] y, double[] w, int d, int k, double c)
      implements Lbfgs.Objective {

    @Override
    public double evaluate(double[] theta, double[] grad) {
      java.util.Arrays.fill(grad, 0);
      double loss = 0;
      double[] z = new double[k];
      for (int i = 0; i < rows.length; i++) {
        TfidfVectorizer.SparseVector x = rows[i];
        scores(theta, x, d, k, z);
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
          max = Math.max(max, v);
        }
        double sum = 0;
        for (int j = 0; j < k; j++) {
          sum += Math.exp(z[j] - max);
        }
        double logSum = max + Math.log(sum);
        loss += c * w[i] * (logSum - z[y[i]]);
        for (int j = 0; j < k; j++) {
          double delta = c * w[i] * (Math.exp(z[j] - logSum) - (j == y[i] ? 1 : 0));
          int base = j * d;
          for (int t = 0; t < x.size(); t++) {
            grad[base + x.indices()[t]] += delta * x.values()[t];
          }
          grad[k * d + j] += delta;
        }
      }
      double penalty = 0;
      for (int p = 0; p < k * d; p++) {
        penalty += theta[p] * theta[p];
        grad[p] += theta[p];
      }
      return loss + 0.5 * penalty;
    }

    static void scores(double[] theta, TfidfVectorizer.SparseVector x, int d, int k, double[] out) {
      for (int j = 0; j < k; j++) {
        double s = theta[k * d + j];
        int base = j * d;
        for (int t = 0; t < x.size(); t++) {
          s += theta[base + x.indices()[t]] * x.values()[t];
        }
        out[j] = s;
      }
    }

    static void softmaxInPlace(double[] z) {
      double max = Double.NEGATIVE_INFINITY;
      for (double v : z) {
        max = Math.max(max, v);
      }
      double sum = 0;
      for (int j = 0; j < z.length; j++) {
        z[j] = Math.exp(z[j] - max);
        sum += z[j];
      }
      for (int j = 0; j < z.length; j++) {
        z[j] /= sum;
      }
    }
  }
}
