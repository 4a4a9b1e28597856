package dev.flywheel.slm;

/**
 * How the model did on one example; the evaluator pairs these by id for significance tests.
 *
 * @param id the example's id
 * @param label its true label
 * @param predicted the predicted label
 * @param confidence the predicted label's probability
 * @param correct whether {@code predicted} equals {@code label}
 */
public record ExampleOutcome(
    String id, String label, String predicted, float confidence, boolean correct) {}
