package dev.flywheel.slm.data;

/** A dataset that cannot be read; for a malformed line the message names the line and reason. */
public final class DatasetException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final long line;

  DatasetException(String message, long line, Throwable cause) {
    super(message, cause);
    this.line = line;
  }

  /** 1-based line number of the problem, 0 when it concerns the whole file. */
  public long line() {
    return line;
  }
}
