package dev.flywheel.feedback;

import dev.flywheel.events.LabeledExample;

/**
 * One output of {@link ExampleDerivation}; exactly one field is set, and the record's key fits it:
 * {@code model:vN} for a quality signal, the example id for an example, the original key for a
 * rejection.
 */
record Derived(QualitySignal quality, LabeledExample example, Rejection rejection) {
  /**
   * The names of the three children a deriving processor forwards to, one per kind of output, so
   * that no branch node stands between it and them.
   */
  record Outlets(String quality, String examples, String rejections) {
    /** The child that {@code derived} goes to. */
    String of(Derived derived) {
      if (derived.quality() != null) {
        return quality;
      }
      return derived.example() != null ? examples : rejections;
    }
  }

  static Derived of(QualitySignal quality) {
    return new Derived(quality, null, null);
  }

  static Derived of(LabeledExample example) {
    return new Derived(null, example, null);
  }

  static Derived of(Rejection rejection) {
    return new Derived(null, null, rejection);
  }
}
