package dev.flywheel.feedback;

import dev.flywheel.events.LabeledExample;

/**
 * One output of {@link ExampleDerivation}; exactly one field is set, and the record's key fits it:
 * {@code model:vN} for a quality signal, the example id for an example, the original key for a
 * rejection.
 */
record Derived(QualitySignal quality, LabeledExample example, Rejection rejection) {
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
