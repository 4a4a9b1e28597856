package dev.flywheel.slm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The weighted mean cross-entropy every trainer minimises.
 *
 * <p>It is built without a single {@code NDArray op Number} call, and so must be any computation
 * that a backward pass goes through. On the CPU, DJL's PyTorch engine wraps Java memory for every
 * array it creates from Java values, a scalar included, and its {@code add/mul/div(Number)}
 * overloads close that scalar right after the operation, so that the next garbage collection frees
 * its memory; autograd, which saves {@code other} to differentiate {@code x * other} or {@code x /
 * other}, then reads freed memory in the backward pass whenever a collection ran in between. That
 * made rare, irreproducible NaN or huge gradients. Constants belong to an array's own manager
 * instead, which outlives the backward pass (as DJL's own attention block does); here the weights
 * are normalised in Java.
 */
public final class WeightedLoss {
  private WeightedLoss() {}

  /**
   * {@code -sum_i w_i log softmax(logits_i)[y_i] / sum_i w_i}, a scalar.
   *
   * @param scope the manager of the step: its arrays must stay open until the backward pass ends
   * @param logits (B, labels)
   * @param labels the label index of each row
   * @param weights each row's weight; their sum must be positive
   * @throws IllegalArgumentException when the weights do not sum to a positive number
   */
  public static NDArray crossEntropy(
      NDManager scope, NDArray logits, int[] labels, float[] weights) {
    double sum = 0;
    for (float w : weights) {
      sum += w;
    }
    if (!(sum > 0) || Double.isInfinite(sum)) {
      throw new IllegalArgumentException("the weights of a batch sum to " + sum);
    }
    float[] share = new float[weights.length];
    for (int i = 0; i < share.length; i++) {
      share[i] = (float) (-weights[i] / sum);
    }
    int labelCount = Math.toIntExact(logits.getShape().get(1));
    return logits
        .logSoftmax(1)
        .mul(scope.create(labels).oneHot(labelCount))
        .sum(new int[] {1})
        .mul(scope.create(share))
        .sum();
  }
}
