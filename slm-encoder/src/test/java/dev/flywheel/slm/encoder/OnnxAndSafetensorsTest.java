package dev.flywheel.slm.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnnxAndSafetensorsTest {

  @Test
  void shouldNameEveryMiniLmMatrixAfterTheBiasOfItsAdd() throws Exception {
    byte[] onnx;
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2.onnx")) {
      onnx = in.readAllBytes();
    }
    Map<String, Tensor> weights = OnnxInitializers.bertWeights(onnx, "minilm");
    BertConfig config = BertConfig.fromWeights(weights, 12, 1e-12f, "minilm");

    assertThat(config).isEqualTo(new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12f));
    assertThat(weights.keySet()).containsAll(config.weightShapes().keySet());
    assertThat(
            weights.keySet().stream()
                .filter(
                    n ->
                        n.endsWith(".weight") && n.contains("dense")
                            || n.contains("self.") && n.endsWith(".weight")))
        .hasSize(36);
    assertThat(weights.get("encoder.layer.0.intermediate.dense.weight").shape())
        .containsExactly(1536, 384);
    assertThat(weights.get("encoder.layer.0.output.dense.weight").shape())
        .containsExactly(384, 1536);
  }

  @Test
  void shouldRefuseTruncatedOnnxFile() throws Exception {
    byte[] onnx;
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2.onnx")) {
      onnx = in.readNBytes(1_000_000);
    }
    assertThatThrownBy(() -> OnnxInitializers.bertWeights(onnx, "cut.onnx"))
        .isInstanceOf(WeightFormatException.class)
        .hasMessageContaining("cut.onnx");
  }

  @Test
  void shouldRoundTripSafetensorsWithSortedDeterministicBytes() {
    Tensor b = new Tensor("b", new long[] {2, 2}, new float[] {1, 2, 3, 4});
    Tensor a = new Tensor("a", new long[] {3}, new float[] {-1.5f, 0f, 7f});
    byte[] one = Safetensors.write(List.of(b, a));
    byte[] two = Safetensors.write(List.of(a, b));

    assertThat(one).isEqualTo(two);
    Map<String, Tensor> read = Safetensors.read(one, "t");
    assertThat(read.keySet()).containsExactly("a", "b");
    assertThat(read.get("b").data()).containsExactly(1, 2, 3, 4);
    assertThat(read.get("b").shape()).containsExactly(2, 2);
  }

  @Test
  void shouldWidenHalfPrecision() {
    assertThat(Safetensors.halfToFloat((short) 0x3c00)).isEqualTo(1f);
    assertThat(Safetensors.halfToFloat((short) 0xc000)).isEqualTo(-2f);
    assertThat(Safetensors.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
  }
}
