package dev.flywheel.slm.encoder;

/**
 * A base model that cannot be used: an unknown name, a source that cannot be read, or stored
 * weights whose sha256 does not match. The message names the model and the problem.
 */
public class BaseModelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** With a message naming the model and the problem. */
  public BaseModelException(String message) {
    super(message);
  }

  /** With a message and the underlying cause. */
  public BaseModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
