package dev.flywheel.schemas;

/**
 * An operation run through {@link Retry} did not succeed: either its error was not retriable, or
 * every attempt failed. The cause is the last error; {@code common}'s {@code ErrorClassifier} sees
 * through this wrapper.
 */
public final class RetryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int attempts;

  RetryException(String message, int attempts, Throwable cause) {
    super(message, cause);
    this.attempts = attempts;
  }

  /** How many attempts were made. */
  public int attempts() {
    return attempts;
  }
}
