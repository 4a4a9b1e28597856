package dev.flywheel.common.error;

import java.util.Objects;

/**
 * One invalid input field: which field (a JSON path such as {@code events[3].kind}) and what is
 * wrong with it.
 */
public record ValidationError(String field, String message) {
  /** Both parts are required. */
  public ValidationError {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(message, "message");
  }
}
