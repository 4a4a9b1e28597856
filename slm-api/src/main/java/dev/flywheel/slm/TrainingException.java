package dev.flywheel.slm;

/** A training run that cannot start or cannot go on; {@link #reason()} says which case. */
public final class TrainingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Reason {
    /** The request has no examples. */
    NO_EXAMPLES,
    /** A declared label has no example, so the model could never learn it. */
    LABEL_WITHOUT_EXAMPLES,
    /** An example carries a label that the request does not declare. */
    UNKNOWN_LABEL,
    /** The hyperparameters are invalid. */
    INVALID_HYPERPARAMETERS,
    /** The loss became NaN or infinite (learning rate too high, broken data). */
    NON_FINITE_LOSS,
    /** The checkpoint to resume from is unreadable or belongs to another run. */
    CHECKPOINT_INCOMPATIBLE,
    /** The training thread was interrupted; its interrupt flag is kept set. */
    INTERRUPTED,
    /** The engine or an I/O step failed. */
    ENGINE_FAILURE
  }

  private final Reason reason;

  /** A failure of a case with its explanation. */
  public TrainingException(Reason reason, String message) {
    super(reason + ": " + message);
    this.reason = reason;
  }

  /** A failure of a case with its explanation and cause. */
  public TrainingException(Reason reason, String message, Throwable cause) {
    super(reason + ": " + message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
