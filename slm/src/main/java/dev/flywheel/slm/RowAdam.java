package dev.flywheel.slm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * Adam (β1 0.9, β2 0.999, ε 1e-8, no weight decay) on some rows of a table only, as PyTorch's
 * {@code SparseAdam}: the rows a step did not touch keep their weights and moments. For embedding
 * tables, whose other rows have no gradient, where a dense update would cost a pass over the whole
 * table and its two moments every step.
 */
public final class RowAdam {
  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;
  private static final float EPSILON = 1e-8f;

  private RowAdam() {}

  /** The bias-corrected step size of update {@code t} (from 1) at learning rate {@code rate}. */
  public static float stepSize(float rate, long t) {
    return rate * (float) (Math.sqrt(1 - Math.pow(BETA2, t)) / (1 - Math.pow(BETA1, t)));
  }

  /**
   * Updates {@code rows} of {@code table} and of its moments in place; call with grad mode off.
   *
   * @param rows distinct row indexes
   * @param gradient (rows, width): the gradient of those rows, in the order of {@code rows}
   * @param stepSize {@link #stepSize}
   * @param scratch where the temporaries go; the caller closes it
   */
  public static void update(
      NDArray table,
      NDArray mean,
      NDArray variance,
      NDIndex rows,
      NDArray gradient,
      float stepSize,
      NDManager scratch) {
    // Gathered rows are copies; attaching them to the scratch manager frees every temporary.
    NDArray m = mean.get(rows);
    m.attach(scratch);
    NDArray v = variance.get(rows);
    v.attach(scratch);
    NDArray w = table.get(rows);
    w.attach(scratch);
    m.muli(BETA1).addi(gradient.mul(1 - BETA1));
    v.muli(BETA2).addi(gradient.square().muli(1 - BETA2));
    mean.set(rows, m);
    variance.set(rows, v);
    w.subi(m.mul(stepSize).divi(v.sqrt().addi(EPSILON)));
    table.set(rows, w);
  }
}
