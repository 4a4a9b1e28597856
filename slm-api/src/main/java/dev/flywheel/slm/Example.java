package dev.flywheel.slm;

import java.util.Objects;

/**
 * One labeled text. The id is stable across runs (it orders per-example results and keys holdouts);
 * the weight scales the example's share of the training loss.
 */
public record Example(String id, String text, String label, float weight) {

  public Example {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(label, "label");
    if (!(weight > 0f) || Float.isInfinite(weight)) {
      throw new IllegalArgumentException("weight must be positive and finite, got " + weight);
    }
  }

  /** An example of weight 1. */
  public Example(String id, String text, String label) {
    this(id, text, label, 1f);
  }
}
