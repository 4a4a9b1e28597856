package dev.flywheel.feedback;

/**
 * Names, in a dead letter's headers, why the feedback service refused a record. It is never thrown:
 * refusals are values that travel to the dead-letter topic, so it carries no stack trace.
 */
public final class RejectedFeedbackException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  RejectedFeedbackException(Rejection.Reason reason, String detail) {
    super(reason.name() + ": " + detail, null, false, false);
  }
}
