package dev.flywheel.slm.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.data.WordNetTopics;
import dev.flywheel.slm.store.FileArtifactStore;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A step whose gradient is not finite is skipped, never applied; a run whose gradients stay
 * non-finite fails after {@link EncoderTrainer#MAX_SKIPS_IN_A_ROW} skips in a row, naming the step.
 */
class NonFiniteGradientTest {
  private static final List<String> LABELS = WordNetTopics.labels(WordNetTopics.Variant.TOPICS_8);

  @TempDir Path root;

  @Test
  void shouldFailARunWhoseGradientsStayNonFiniteAfterSkippingAFewSteps() throws Exception {
    BaseModel tiny =
        new BaseModels(new FileArtifactStore(root.resolve("store")))
            .fromDirectory("tiny", TinyBert.write(root.resolve("tiny")).toUri(), "MIT");
    // A NaN in a trainable weight makes every forward pass, and so every gradient, NaN.
    Map<String, Tensor> poisoned = new LinkedHashMap<>(tiny.weights());
    Tensor dense = poisoned.get("encoder.layer.1.output.dense.weight");
    float[] data = dense.data().clone();
    data[0] = Float.NaN;
    poisoned.put(dense.name(), new Tensor(dense.name(), dense.shape(), data));
    List<Example> examples = WordNetTopics.load(WordNetTopics.Variant.TOPICS_8).subList(0, 40);

    assertThatThrownBy(
            () ->
                EncoderTrainer.train(
                    tiny,
                    LABELS,
                    examples,
                    List.of(),
                    EncoderOptions.defaults(FineTune.top(1)).withSchedule(2, 1e-3f),
                    new EmbeddingCache(),
                    Device.cpu(),
                    new EncoderTrainer.Start(
                        new float[LABELS.size() * 32], new float[LABELS.size()], poisoned),
                    (e, m, l, a) -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "gradient norm is NaN at step " + (EncoderTrainer.MAX_SKIPS_IN_A_ROW + 1))
        .hasMessageContaining("in a row");
    assertThat(EncoderTrainer.MAX_SKIPS_IN_A_ROW).isPositive();
  }
}
