package dev.flywheel.slm.encoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shape of a BERT encoder, in the terms of a Hugging Face {@code config.json}.
 *
 * @param vocabSize word-piece vocabulary size
 * @param hiddenSize width of every token state
 * @param layers number of encoder layers
 * @param heads attention heads per layer
 * @param intermediateSize width of the feed-forward layer
 * @param maxPositions longest input, in tokens, that the position table covers
 * @param typeVocabSize number of token types (segments)
 * @param layerNormEps the layer norms' epsilon
 */
public record BertConfig(
    int vocabSize,
    int hiddenSize,
    int layers,
    int heads,
    int intermediateSize,
    int maxPositions,
    int typeVocabSize,
    float layerNormEps) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Checks the dimensions. */
  public BertConfig {
    if (vocabSize < 1 || hiddenSize < 1 || layers < 1 || heads < 1 || intermediateSize < 1) {
      throw new WeightFormatException(
          "BERT config has a non-positive dimension: "
              + summary(vocabSize, hiddenSize, layers, heads, intermediateSize));
    }
    if (hiddenSize % heads != 0) {
      throw new WeightFormatException(
          "BERT config: hidden size " + hiddenSize + " is not a multiple of " + heads + " heads");
    }
    if (maxPositions < 2 || typeVocabSize < 1 || !(layerNormEps > 0)) {
      throw new WeightFormatException(
          "BERT config: bad max positions, type vocabulary or layer-norm epsilon");
    }
  }

  private static String summary(int v, int h, int l, int a, int i) {
    return "vocab " + v + ", hidden " + h + ", layers " + l + ", heads " + a + ", ffn " + i;
  }

  /** Width of one attention head. */
  public int headSize() {
    return hiddenSize / heads;
  }

  /** Parameter count of the weights this config implies (embeddings and layers, no pooler). */
  public long parameterCount() {
    long h = hiddenSize;
    long embeddings = (long) (vocabSize + maxPositions + typeVocabSize) * h + 2 * h;
    long attention = 4 * (h * h + h) + 2 * h;
    long feedForward = h * intermediateSize + intermediateSize + intermediateSize * h + h + 2 * h;
    return embeddings + layers * (attention + feedForward);
  }

  /** The names and shapes of every weight, in the Hugging Face {@code BertModel} naming. */
  public Map<String, long[]> weightShapes() {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    long h = hiddenSize;
    shapes.put("embeddings.word_embeddings.weight", new long[] {vocabSize, h});
    shapes.put("embeddings.position_embeddings.weight", new long[] {maxPositions, h});
    shapes.put("embeddings.token_type_embeddings.weight", new long[] {typeVocabSize, h});
    shapes.put("embeddings.LayerNorm.weight", new long[] {h});
    shapes.put("embeddings.LayerNorm.bias", new long[] {h});
    for (int i = 0; i < layers; i++) {
      String p = "encoder.layer." + i + ".";
      for (String m :
          List.of(
              "attention.self.query",
              "attention.self.key",
              "attention.self.value",
              "attention.output.dense")) {
        shapes.put(p + m + ".weight", new long[] {h, h});
        shapes.put(p + m + ".bias", new long[] {h});
      }
      shapes.put(p + "attention.output.LayerNorm.weight", new long[] {h});
      shapes.put(p + "attention.output.LayerNorm.bias", new long[] {h});
      shapes.put(p + "intermediate.dense.weight", new long[] {intermediateSize, h});
      shapes.put(p + "intermediate.dense.bias", new long[] {intermediateSize});
      shapes.put(p + "output.dense.weight", new long[] {h, intermediateSize});
      shapes.put(p + "output.dense.bias", new long[] {h});
      shapes.put(p + "output.LayerNorm.weight", new long[] {h});
      shapes.put(p + "output.LayerNorm.bias", new long[] {h});
    }
    return shapes;
  }

  /**
   * The config of a set of BERT weights, read from their shapes; only the head count is not in the
   * weights.
   */
  static BertConfig fromWeights(Map<String, Tensor> weights, int heads, float eps, String source) {
    long[] word = shapeOf(weights, "embeddings.word_embeddings.weight", source);
    long[] position = shapeOf(weights, "embeddings.position_embeddings.weight", source);
    long[] type = shapeOf(weights, "embeddings.token_type_embeddings.weight", source);
    long[] ffn = shapeOf(weights, "encoder.layer.0.intermediate.dense.bias", source);
    int layers = 0;
    while (weights.containsKey("encoder.layer." + layers + ".output.LayerNorm.bias")) {
      layers++;
    }
    return new BertConfig(
        (int) word[0],
        (int) word[1],
        layers,
        heads,
        (int) ffn[0],
        (int) position[0],
        (int) type[0],
        eps);
  }

  private static long[] shapeOf(Map<String, Tensor> weights, String name, String source) {
    Tensor t = weights.get(name);
    if (t == null) {
      throw new WeightFormatException(source + ": no weight " + name + " (not a BERT encoder?)");
    }
    return t.shape();
  }

  /**
   * Reads a Hugging Face {@code config.json}; refuses any model type but {@code bert} and any
   * activation but exact GELU.
   *
   * @param source names the file in error messages
   * @throws WeightFormatException when the file is not a BERT config
   */
  public static BertConfig fromHuggingFace(byte[] configJson, String source) {
    JsonNode c;
    try {
      c = JSON.readTree(configJson);
    } catch (IOException e) {
      throw new WeightFormatException(source + ": not JSON: " + e.getMessage(), e);
    }
    if (c == null || !c.isObject()) {
      throw new WeightFormatException(source + ": not a JSON object");
    }
    String type = c.path("model_type").asText("");
    if (!type.equals("bert")) {
      throw new WeightFormatException(
          source + ": model_type is '" + type + "', only BERT encoders ('bert') are supported");
    }
    String act = c.path("hidden_act").asText("gelu");
    if (!act.equals("gelu")) {
      throw new WeightFormatException(
          source + ": hidden_act '" + act + "' is not supported (exact GELU only)");
    }
    String positions = c.path("position_embedding_type").asText("absolute");
    if (!positions.equals("absolute")) {
      throw new WeightFormatException(
          source
              + ": position_embedding_type '"
              + positions
              + "' is not supported (absolute only)");
    }
    List<String> missing = new ArrayList<>();
    for (String key :
        List.of(
            "vocab_size",
            "hidden_size",
            "num_hidden_layers",
            "num_attention_heads",
            "intermediate_size")) {
      if (!c.path(key).canConvertToInt()) {
        missing.add(key);
      }
    }
    if (!missing.isEmpty()) {
      throw new WeightFormatException(source + ": missing or non-integer " + missing);
    }
    return new BertConfig(
        c.get("vocab_size").asInt(),
        c.get("hidden_size").asInt(),
        c.get("num_hidden_layers").asInt(),
        c.get("num_attention_heads").asInt(),
        c.get("intermediate_size").asInt(),
        c.path("max_position_embeddings").asInt(512),
        c.path("type_vocab_size").asInt(2),
        (float) c.path("layer_norm_eps").asDouble(1e-12));
  }

  /** This config as a Hugging Face {@code config.json}, keys in a fixed order. */
  public byte[] toHuggingFace() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("model_type", "bert");
    c.put("architectures", List.of("BertModel"));
    c.put("vocab_size", vocabSize);
    c.put("hidden_size", hiddenSize);
    c.put("num_hidden_layers", layers);
    c.put("num_attention_heads", heads);
    c.put("intermediate_size", intermediateSize);
    c.put("max_position_embeddings", maxPositions);
    c.put("type_vocab_size", typeVocabSize);
    c.put("layer_norm_eps", (double) layerNormEps);
    c.put("hidden_act", "gelu");
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(c);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
