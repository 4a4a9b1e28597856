package dev.flywheel.slm.encoder;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.flywheel.slm.store.FileArtifactStore;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DJL encoder, on weights converted from each built-in ONNX file, gives the token states and
 * pooled embeddings that ONNX Runtime computes from the original file, within 1e-4. DJL runs the
 * fifty sentences padded into batches; ONNX Runtime runs each alone, so masking is checked too. The
 * frozen encoder that serves built-ins (the original graph in ONNX Runtime, padded batches, pooling
 * in Java) gives the DJL block's embeddings within 1e-4 as well, and refuses a graph whose weights
 * are not exactly the base model's.
 */
class EncoderMatchesOnnxRuntimeTest {
  private static final int MAX_LENGTH = 128;
  private static final double TOLERANCE = 1e-4;

  @TempDir Path store;

  @Test
  void minilmTokenStatesAndEmbeddingsEqualOnnxRuntime() throws Exception {
    check("minilm-l6", "all-minilm-l6-v2.onnx");
  }

  @Test
  void bgeSmallEnTokenStatesAndEmbeddingsEqualOnnxRuntime() throws Exception {
    check("bge-small-en", "bge-small-en-v1.5.onnx");
  }

  @Test
  void bgeSmallZhTokenStatesAndEmbeddingsEqualOnnxRuntime() throws Exception {
    check("bge-small-zh", "bge-small-zh-v1.5.onnx");
  }

  private void check(String name, String onnx) throws Exception {
    BaseModel base = new BaseModels(new FileArtifactStore(store)).builtIn(name);
    List<String> sentences = TestSentences.fifty();
    double maxStateDiff = 0;
    double maxPooledDiff = 0;
    double maxServedDiff = 0;
    try (SentenceEncoder encoder =
            SentenceEncoder.openBlock(base, base.weights(), MAX_LENGTH, Device.cpu());
        SentenceEncoder served = SentenceEncoder.open(base, MAX_LENGTH, Device.cpu());
        OnnxReference reference = new OnnxReference(onnx)) {
      assertThat(encoder.engine()).isEqualTo(SentenceEncoder.Engine.DJL_PYTORCH);
      assertThat(served.engine()).isEqualTo(SentenceEncoder.Engine.ONNX_RUNTIME);
      List<long[]> ids = new ArrayList<>();
      for (String s : sentences) {
        ids.add(encoder.tokenizer().encode(s));
      }
      assertThat(ids).allSatisfy(s -> assertThat(s.length).isBetween(2, MAX_LENGTH));
      assertThat(ids.stream().filter(s -> s.length == MAX_LENGTH)).hasSizeGreaterThanOrEqualTo(4);
      float[][][] states = encoder.tokenStates(ids);
      float[][] pooled = encoder.pooled(ids);
      float[][] servedPooled = served.pooled(ids);
      for (int i = 0; i < ids.size(); i++) {
        float[][] expected = reference.tokenStates(ids.get(i));
        assertThat(states[i].length).isEqualTo(expected.length);
        float[] expectedPooled = new float[expected[0].length];
        for (int t = 0; t < expected.length; t++) {
          for (int d = 0; d < expected[t].length; d++) {
            maxStateDiff = Math.max(maxStateDiff, Math.abs(states[i][t][d] - expected[t][d]));
            expectedPooled[d] += expected[t][d] / expected.length;
          }
        }
        for (int d = 0; d < expectedPooled.length; d++) {
          maxPooledDiff = Math.max(maxPooledDiff, Math.abs(pooled[i][d] - expectedPooled[d]));
          maxServedDiff = Math.max(maxServedDiff, Math.abs(servedPooled[i][d] - pooled[i][d]));
        }
      }
    }
    System.out.printf(
        "%s: max |DJL - ONNX Runtime| token states %.3g, pooled %.3g; served pooled %.3g%n",
        name, maxStateDiff, maxPooledDiff, maxServedDiff);
    assertThat(maxStateDiff).isLessThan(TOLERANCE);
    assertThat(maxPooledDiff).isLessThan(TOLERANCE);
    assertThat(maxServedDiff).isLessThan(TOLERANCE);
  }

  @Test
  void aGraphWhoseWeightsDifferFromTheBaseModelIsNotRun() throws Exception {
    BaseModel base = new BaseModels(new FileArtifactStore(store)).builtIn("minilm-l6");
    byte[] onnx;
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2.onnx")) {
      onnx = in.readAllBytes();
    }
    Map<String, Tensor> tampered = new LinkedHashMap<>(base.weights());
    Tensor bias = tampered.get("encoder.layer.3.output.dense.bias");
    float[] changed = bias.data().clone();
    changed[7] += 1e-3f;
    tampered.put(bias.name(), new Tensor(bias.name(), bias.shape(), changed));
    assertThat(OnnxEncoder.weightDifference(OnnxInitializers.bertWeights(onnx, "minilm"), tampered))
        .isEqualTo("its weight encoder.layer.3.output.dense.bias differs from the base model's");
    assertThat(OnnxEncoder.ifSameWeights(onnx, tampered, 384, "minilm")).isEmpty();
    Map<String, Tensor> missing = new LinkedHashMap<>(base.weights());
    missing.remove(bias.name());
    assertThat(OnnxEncoder.ifSameWeights(onnx, missing, 384, "minilm")).isEmpty();
    assertThat(OnnxEncoder.ifSameWeights(onnx, base.weights(), 384, "minilm")).isPresent();
  }
}
