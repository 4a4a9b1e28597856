package dev.flywheel.feedback;

import org.apache.kafka.common.header.Headers;

/**
 * A record the topology refuses, on its way to the dead-letter topic: the original bytes, where
 * they were read, and why.
 */
record Rejection(
    Reason reason,
    String detail,
    byte[] key,
    byte[] value,
    Headers headers,
    String topic,
    int partition,
    long offset) {

  /**
   * Why feedback could not become part of the loop; the reason is the dead letter's error class.
   */
  enum Reason {
    /** The feedback breaks its contract (a correction without a label, an unknown kind, ...). */
    INVALID_FEEDBACK,
    /** The prediction breaks its contract (no model, a version below 1, ...). */
    INVALID_PREDICTION,
    /** No prediction with that id arrived inside the join window. */
    UNMATCHED_FEEDBACK,
    /** No model spec names the model, so the feedback cannot become an example. */
    UNKNOWN_MODEL,
    /** The model's spec cannot be used (a holdout share outside [0, 1]). */
    INVALID_SPEC,
    /** The label is not in the model's label set. */
    UNKNOWN_LABEL
  }

  /**
   * The error a dead letter names: its class header is this class, its message starts with the
   * reason.
   */
  RejectedFeedbackException error() {
    return new RejectedFeedbackException(reason, detail);
  }
}
