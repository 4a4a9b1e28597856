package dev.flywheel.slm.encoder;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Gradients live in PyTorch's memory and nothing a backward pass reads lives in memory that a
 * garbage collection may free: a collection at any point of a step changes no gradient. On the CPU,
 * DJL wraps Java memory for every array made from Java values; the encoder's full fine-tuning read
 * such memory after it was freed (rare NaN gradients, then a crash of the JVM).
 */
class GradientMemoryTest {
  private static final String QUERY = "encoder.layer.0.attention.self.query.weight";

  @Test
  void shouldKeepClearedGradientsInPyTorchMemory() throws Exception {
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      NDArray weight = manager.zeros(new Shape(64));
      weight.setRequiresGradient(true);
      NDArray nan = manager.full(new Shape(64), Float.NaN);
      NDArray two = manager.full(new Shape(64), 2f);
      backward(() -> weight.mul(nan).sum());
      assertThat(weight.getGradient().toFloatArray()).containsOnly(Float.NaN);

      EncoderTrainer.clearGradients(List.of(weight));
      collectGarbage();
      assertThat(weight.getGradient().toFloatArray()).containsOnly(0f);
      backward(() -> weight.mul(two).sum());
      collectGarbage();
      assertThat(weight.getGradient().toFloatArray()).containsOnly(2f);
    }
  }

  @Test
  void shouldGiveTheSameEncoderGradientsWhenTheCollectorRunsBeforeTheBackwardPass()
      throws Exception {
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      BertEncoderBlock block = new BertEncoderBlock(TinyBert.bertConfig(), Map.of(), 0f);
      block.initialize(manager);
      NDArray query = block.parameter(QUERY).getArray();
      ParameterStore ps = new ParameterStore(manager, false);
      List<long[]> batch =
          List.of(new long[] {101, 2023, 2003, 1037, 3231, 102}, new long[] {101, 7592, 102});

      float[] undisturbed = gradient(manager, block, ps, batch, query, false);
      for (int round = 0; round < 3; round++) {
        float[] collected = gradient(manager, block, ps, batch, query, true);
        assertThat(Arrays.equals(collected, undisturbed))
            .as(
                "the gradient after a collection starts %s, without one %s",
                Arrays.toString(Arrays.copyOf(collected, 3)),
                Arrays.toString(Arrays.copyOf(undisturbed, 3)))
            .isTrue();
      }
      assertThat(undisturbed).doesNotContain(Float.NaN).isNotEqualTo(new float[undisturbed.length]);
    }
  }

  private static float[] gradient(
      NDManager manager,
      BertEncoderBlock block,
      ParameterStore ps,
      List<long[]> batch,
      NDArray weight,
      boolean collectBeforeBackward)
      throws InterruptedException {
    try (NDManager scope = manager.newSubManager();
        GradientCollector collector = manager.getEngine().newGradientCollector()) {
      NDList inputs = SentenceEncoder.padded(scope, batch);
      NDArray pooled = block.forward(ps, inputs, true).get(1);
      NDArray loss = pooled.square().sum();
      if (collectBeforeBackward) {
        collectGarbage();
      }
      collector.backward(loss);
    }
    float[] g = weight.getGradient().toFloatArray();
    EncoderTrainer.clearGradients(
        block.parametersByName().values().stream().map(p -> p.getArray()).toList());
    return g;
  }

  private static void backward(Supplier<NDArray> loss) {
    try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
      collector.backward(loss.get());
    }
  }

  /** Runs collections until the direct buffers that nothing references are freed. */
  private static void collectGarbage() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
  }
}
