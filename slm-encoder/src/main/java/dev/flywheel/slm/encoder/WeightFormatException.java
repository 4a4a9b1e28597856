package dev.flywheel.slm.encoder;

/**
 * A weights, configuration or tokenizer file that cannot be used as a base model: truncated,
 * malformed, of another architecture, or missing a part. The message names the file and the
 * problem.
 */
public class WeightFormatException extends BaseModelException {
  private static final long serialVersionUID = 1L;

  /** With a message naming the file and the problem. */
  public WeightFormatException(String message) {
    super(message);
  }

  /** With a message and the underlying cause. */
  public WeightFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
