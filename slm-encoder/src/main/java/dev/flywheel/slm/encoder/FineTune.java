package dev.flywheel.slm.encoder;

/**
 * Which part of a base model training changes: {@code head} (the encoder frozen, only the linear
 * head learned; sentence embeddings can be cached), {@code top:K} (the last K layers and the head)
 * or {@code full} (every weight).
 *
 * @param topLayers the trainable layers for {@code top:K}; 0 for {@code head}; -1 for {@code full}
 */
public record FineTune(int topLayers) {
  /** Only the head. */
  public static final FineTune HEAD = new FineTune(0);

  /** Everything. */
  public static final FineTune FULL = new FineTune(-1);

  /** Checks the layer count. */
  public FineTune {
    if (topLayers < -1) {
      throw new IllegalArgumentException("top layers must be at least 1, got " + topLayers);
    }
  }

  /** The last {@code k} layers and the head. */
  public static FineTune top(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("fine_tune top:K needs K >= 1, got " + k);
    }
    return new FineTune(k);
  }

  /**
   * Parses {@code head}, {@code top:K} or {@code full}.
   *
   * @throws IllegalArgumentException naming the accepted forms
   */
  public static FineTune parse(String text) {
    if (text.equals("head")) {
      return HEAD;
    }
    if (text.equals("full")) {
      return FULL;
    }
    if (text.startsWith("top:")) {
      try {
        return top(Integer.parseInt(text.substring(4)));
      } catch (NumberFormatException e) {
        // falls through to the error naming the forms
      }
    }
    throw new IllegalArgumentException(
        "fine_tune must be 'head', 'top:K' (K >= 1) or 'full', got '" + text + "'");
  }

  /** Whether the encoder is frozen. */
  public boolean headOnly() {
    return topLayers == 0;
  }

  /** Whether every weight trains. */
  public boolean full() {
    return topLayers == -1;
  }

  /** The number of trainable encoder layers of an encoder with {@code layers} layers. */
  int trainableLayers(int layers) {
    return full() ? layers + 1 : Math.min(topLayers, layers);
  }

  @Override
  public String toString() {
    return headOnly() ? "head" : full() ? "full" : "top:" + topLayers;
  }
}
