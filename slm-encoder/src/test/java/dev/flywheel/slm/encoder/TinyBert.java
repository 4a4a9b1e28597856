package dev.flywheel.slm.encoder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes a tiny randomly initialised BERT in the Hugging Face directory format ({@code
 * config.json}, {@code model.safetensors} with a task model's {@code bert.} prefix and a pooler,
 * {@code tokenizer.json}); nothing is downloaded: the tokenizer is MiniLM's, from its jar.
 */
final class TinyBert {
  static final int VOCAB = 30522;

  private TinyBert() {}

  static String config(String modelType) {
    return """
        {"model_type": "%s", "architectures": ["BertModel"], "vocab_size": %d,
         "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
         "intermediate_size": 64, "max_position_embeddings": 64, "type_vocab_size": 2,
         "layer_norm_eps": 1e-12, "hidden_act": "gelu"}
        """
        .formatted(modelType, VOCAB);
  }

  static BertConfig bertConfig() {
    return new BertConfig(VOCAB, 32, 2, 4, 64, 64, 2, 1e-12f);
  }

  static Path write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("config.json"), config("bert"), StandardCharsets.UTF_8);
    Random random = new Random(7);
    List<Tensor> tensors = new ArrayList<>();
    for (Map.Entry<String, long[]> e : bertConfig().weightShapes().entrySet()) {
      long size = 1;
      for (long d : e.getValue()) {
        size *= d;
      }
      float[] data = new float[(int) size];
      for (int i = 0; i < data.length; i++) {
        data[i] =
            e.getKey().endsWith("LayerNorm.weight") ? 1f : (float) random.nextGaussian() * 0.02f;
      }
      tensors.add(new Tensor("bert." + e.getKey(), e.getValue(), data));
    }
    tensors.add(new Tensor("bert.pooler.dense.weight", new long[] {32, 32}, new float[32 * 32]));
    tensors.add(new Tensor("bert.pooler.dense.bias", new long[] {32}, new float[32]));
    Files.write(dir.resolve("model.safetensors"), Safetensors.write(tensors));
    try (InputStream in =
        TinyBert.class.getClassLoader().getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
      Files.write(dir.resolve("tokenizer.json"), in.readAllBytes());
    }
    return dir;
  }
}
