package dev.flywheel.slm;

import java.util.Locale;

/** The network shapes a text classifier can take; chosen by the {@code architecture} key. */
public enum Architecture {
  /** fastText-style mean of word (and hashed bigram) embeddings, then a dense layer. */
  BAG,
  /** Embedding, one LSTM layer, dense layer over the last real token's state. */
  LSTM,
  /** Small pre-norm transformer encoder with learned positions, masked mean pooling. */
  TRANSFORMER;

  /** The name used in hyperparameter maps and manifests ({@code bag}, {@code lstm}, ...). */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a name as written in a model spec.
   *
   * @throws IllegalArgumentException when the name is not one of {@code bag}, {@code lstm}, {@code
   *     transformer}
   */
  public static Architecture fromKey(String key) {
    for (Architecture a : values()) {
      if (a.key().equals(key == null ? null : key.trim().toLowerCase(Locale.ROOT))) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "unknown architecture '" + key + "' (expected bag, lstm or transformer)");
  }
}
