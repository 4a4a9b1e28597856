package dev.flywheel.ingest;

import dev.flywheel.common.error.ErrorResponse;
import dev.flywheel.common.error.HttpErrors;
import dev.flywheel.common.error.ValidationError;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns a failed request into the one error shape ({@link ErrorResponse}),
 * whatever failed it: an {@link ApiException} from a handler, the contract validation, the body
 * limit (413), an unknown route (404) or method (405), or a bug (500, logged, no details leaked).
 */
final class ErrorHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorHandler.class);

  /**
   * The message of Vert.x's {@code SchemaValidationException.createInvalidValueParameter}: {@code
   * "The value of <location> parameter <name> is invalid. Reason: <reason>"}. The exception carries
   * neither the parameter nor its location (its type, {@code INVALID_VALUE}, is the body's too), so
   * this is the gateway's one match on message text; {@code ErrorHandlerTest} runs it on a message
   * Vert.x itself builds.
   */
  private static final Pattern PARAMETER =
      Pattern.compile(
          "The value of (?:path|query|header|cookie) parameter (\\S+) is invalid"
              + "(?:\\. Reason: (.*))?",
          Pattern.DOTALL);

  private final long maxBodyBytes;

  ErrorHandler(long maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
  }

  void handle(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return;
    }
    if (response.headWritten()) {
      // A stream that already started cannot change its status; end it.
      response.end();
      return;
    }
    Throwable failure = ctx.failure();
    ErrorResponse error;
    Duration retryAfter = null;
    if (failure instanceof ApiException api) {
      error = api.response();
      retryAfter = api.retryAfter().orElse(null);
    } else if (failure instanceof HttpException http) {
      error = fromHttpException(http);
    } else if (failure == null) {
      error = fromStatus(ctx.statusCode(), ctx);
    } else {
      LOG.error(
          "Request {} {} failed unexpectedly",
          ctx.request().method(),
          ctx.request().path(),
          failure);
      error = ErrorResponse.of(500, "internal error");
    }
    if (retryAfter != null) {
      response.putHeader("Retry-After", Long.toString(Math.max(1, ceilSeconds(retryAfter))));
    }
    HttpErrors.send(response, error);
  }

  private ErrorResponse fromStatus(int status, RoutingContext ctx) {
    return switch (status) {
      case 404 -> ErrorResponse.of(404, "no such route: " + ctx.request().path());
      case 405 -> ErrorResponse.of(405, "method not allowed: " + ctx.request().method());
      case 413 -> ErrorResponse.of(413, "request body larger than " + maxBodyBytes + " bytes");
      case 415 -> ErrorResponse.of(415, "unsupported content type; send application/json");
      case -1, 500 -> ErrorResponse.of(500, "internal error");
      default -> ErrorResponse.of(status, "request failed");
    };
  }

  private ErrorResponse fromHttpException(HttpException http) {
    int status = http.getStatusCode();
    Throwable cause = http.getCause();
    if (cause instanceof SchemaValidationException invalid) {
      List<ValidationError> errors =
          parameterError(invalid.getMessage())
              .map(List::of)
              .orElseGet(() -> SchemaErrors.fieldErrors(invalid.getOutputUnit(), ""));
      return new ErrorResponse(400, "the request does not match the API contract", errors);
    }
    if (cause instanceof ValidatorException invalid) {
      int code = status == 415 ? 415 : 400;
      return new ErrorResponse(code, describe(invalid), List.of());
    }
    if (status == 413) {
      return ErrorResponse.of(413, "request body larger than " + maxBodyBytes + " bytes");
    }
    return ErrorResponse.of(
        status, http.getPayload() != null ? http.getPayload() : "request failed");
  }

  /** The parameter a contract failure names, with why; empty for a body failure. */
  static Optional<ValidationError> parameterError(String message) {
    Matcher parameter = PARAMETER.matcher(String.valueOf(message));
    if (!parameter.find()) {
      return Optional.empty();
    }
    String reason = parameter.group(2) == null ? "is invalid" : parameter.group(2);
    return Optional.of(new ValidationError(parameter.group(1), reason));
  }

  private static String describe(ValidatorException invalid) {
    String message = invalid.getMessage();
    return message == null ? "invalid request" : message;
  }

  private static long ceilSeconds(Duration duration) {
    return (duration.toMillis() + 999) / 1000;
  }
}
