package dev.flywheel.ingest;

import dev.flywheel.common.error.ErrorResponse;
import dev.flywheel.common.error.ValidationError;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A request that ends in an error answer: status, message, the invalid fields and, for 429/503,
 * when to retry. Handlers fail the routing context with it; {@link ErrorHandler} renders it. It is
 * a value, so it carries no stack trace.
 */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient ErrorResponse response;
  private final transient Duration retryAfter;

  private ApiException(ErrorResponse response, Duration retryAfter) {
    super(response.message(), null, false, false);
    this.response = response;
    this.retryAfter = retryAfter;
  }

  static ApiException of(int status, String message) {
    return new ApiException(ErrorResponse.of(status, message), null);
  }

  static ApiException invalid(int status, String message, List<ValidationError> errors) {
    return new ApiException(new ErrorResponse(status, message, errors), null);
  }

  static ApiException badRequest(String message, List<ValidationError> errors) {
    return invalid(400, message, errors);
  }

  static ApiException notFound(String message) {
    return of(404, message);
  }

  static ApiException unavailable(String message, Duration retryAfter) {
    return new ApiException(ErrorResponse.of(503, message), retryAfter);
  }

  static ApiException tooManyRequests(String message, Duration retryAfter) {
    return new ApiException(ErrorResponse.of(429, message), retryAfter);
  }

  ErrorResponse response() {
    return response;
  }

  Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
