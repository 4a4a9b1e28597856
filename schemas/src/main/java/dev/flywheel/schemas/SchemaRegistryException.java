package dev.flywheel.schemas;

import org.apache.kafka.common.errors.SerializationException;

/**
 * An error answered by (or on the way to) the schema registry. Carries the registry's own error
 * code ({@code error_code} of a Confluent error body, e.g. 40401) and the HTTP status; both are
 * {@code -1} when no answer came back (connection refused, timeout after the last retry).
 */
public class SchemaRegistryException extends SerializationException {
  private static final long serialVersionUID = 1L;

  private final int errorCode;
  private final int httpStatus;

  public SchemaRegistryException(String message, int errorCode, int httpStatus) {
    this(message, errorCode, httpStatus, null);
  }

  public SchemaRegistryException(String message, int errorCode, int httpStatus, Throwable cause) {
    super(message, cause);
    this.errorCode = errorCode;
    this.httpStatus = httpStatus;
  }

  /** The registry's error code (e.g. 40401 unknown subject, 40403 unknown schema id), or -1. */
  public int errorCode() {
    return errorCode;
  }

  /** The HTTP status of the answer, or -1 when none came back. */
  public int httpStatus() {
    return httpStatus;
  }
}
