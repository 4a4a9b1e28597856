package dev.flywheel.slm.encoder;

import java.util.Map;

/**
 * A pretrained encoder ready to use: its card, shape, tokenizer definition and weights. Immutable;
 * the weights are shared by every encoder block built from it.
 */
public final class BaseModel {
  private final BaseModelCard card;
  private final BertConfig config;
  private final byte[] tokenizerJson;
  private final Map<String, Tensor> weights;

  BaseModel(
      BaseModelCard card, BertConfig config, byte[] tokenizerJson, Map<String, Tensor> weights) {
    this.card = card;
    this.config = config;
    this.tokenizerJson = tokenizerJson;
    this.weights = Map.copyOf(weights);
  }

  /** Its card. */
  public BaseModelCard card() {
    return card;
  }

  /** Its shape. */
  public BertConfig config() {
    return config;
  }

  /** Its Hugging Face {@code tokenizer.json}. */
  public byte[] tokenizerJson() {
    return tokenizerJson.clone();
  }

  /** Its weights by Hugging Face name. */
  public Map<String, Tensor> weights() {
    return weights;
  }

  /** A new encoder block initialised with these weights (not yet initialised on a manager). */
  public BertEncoderBlock newEncoder(float dropoutRate) {
    return new BertEncoderBlock(config, weights, dropoutRate);
  }

  /** A tokenizer for this model; see {@link EncoderTokenizer}. */
  public EncoderTokenizer newTokenizer(int maxLength) {
    return EncoderTokenizer.create(
        tokenizerJson, Math.min(maxLength, config.maxPositions()), card.name());
  }
}
