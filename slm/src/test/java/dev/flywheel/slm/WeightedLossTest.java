package dev.flywheel.slm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class WeightedLossTest {
  private static final float[] LOGITS = {0.5f, -1f, 2f, 0f, 1f, 1f, -0.5f, 3f, -2f};
  private static final int[] LABELS = {2, 0, 1};
  private static final float[] WEIGHTS = {1f, 0.5f, 2.5f};

  @Test
  void shouldGiveTheWeightedMeanCrossEntropyAndItsGradient() throws Exception {
    assertClosedForm(false);
  }

  /**
   * A garbage collection between the forward and the backward pass must not change the gradient:
   * with DJL's {@code div(Number)} it did, because the backward pass read the divisor from memory
   * the collection had freed.
   */
  @Test
  void shouldNotDependOnAGarbageCollectionBeforeTheBackwardPass() throws Exception {
    for (int round = 0; round < 3; round++) {
      assertClosedForm(true);
    }
  }

  @Test
  void shouldRefuseWeightsThatDoNotSumToAPositiveNumber() {
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      NDArray logits = manager.create(new float[] {1f, 2f}, new Shape(1, 2));
      assertThatThrownBy(
              () -> WeightedLoss.crossEntropy(manager, logits, new int[] {0}, new float[] {0f}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("sum to 0");
    }
  }

  private static void assertClosedForm(boolean collectBeforeBackward) throws Exception {
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      NDArray logits = manager.create(LOGITS, new Shape(3, 3));
      logits.setRequiresGradient(true);
      float loss;
      try (NDManager scope = manager.newSubManager();
          GradientCollector collector = manager.getEngine().newGradientCollector()) {
        NDArray lossArray = WeightedLoss.crossEntropy(scope, logits, LABELS, WEIGHTS);
        loss = lossArray.getFloat();
        if (collectBeforeBackward) {
          collectGarbage();
        }
        collector.backward(lossArray);
      }
      float[] gradient = logits.getGradient().toFloatArray();

      double weightSum = WEIGHTS[0] + WEIGHTS[1] + WEIGHTS[2];
      double expectedLoss = 0;
      for (int row = 0; row < 3; row++) {
        double[] p = softmax(row);
        expectedLoss -= WEIGHTS[row] * Math.log(p[LABELS[row]]) / weightSum;
        for (int l = 0; l < 3; l++) {
          double expected = WEIGHTS[row] * (p[l] - (l == LABELS[row] ? 1 : 0)) / weightSum;
          assertThat(gradient[row * 3 + l]).isCloseTo((float) expected, within(1e-6f));
        }
      }
      assertThat(loss).isCloseTo((float) expectedLoss, within(1e-5f));
    }
  }

  private static double[] softmax(int row) {
    double[] e = new double[3];
    double sum = 0;
    for (int l = 0; l < 3; l++) {
      e[l] = Math.exp(LOGITS[row * 3 + l]);
      sum += e[l];
    }
    for (int l = 0; l < 3; l++) {
      e[l] /= sum;
    }
    return e;
  }

  /** Runs collections until the direct buffers that nothing references are freed. */
  private static void collectGarbage() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
  }
}
