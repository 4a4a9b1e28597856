package dev.flywheel.feedback;

import dev.flywheel.events.LabeledExample;

/**
 * One output of {@link ExampleDerivation}; exactly one field is set, and the record's key fits it:
 * {@code model:vN} for a quality signal, the model for a model signal, the example id for an
 * example, the original key for a rejection.
 */
record Derived(
    QualitySignal quality, ModelSignal signal, LabeledExample example, Rejection rejection) {
  static Derived of(QualitySignal quality) {
    return new Derived(quality, null, null, null);
  }

  static Derived of(ModelSignal signal) {
    return new Derived(null, signal, null, null);
  }

  static Derived of(LabeledExample example) {
    return new Derived(null, null, example, null);
  }

  static Derived of(Rejection rejection) {
    return new Derived(null, null, null, rejection);
  }
}
