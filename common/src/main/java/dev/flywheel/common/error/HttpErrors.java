package dev.flywheel.common.error;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends {@link ErrorResponse} bodies with the matching status, so every handler answers errors the
 * same way. Each method ends the response; the returned future completes when it is written.
 */
public final class HttpErrors {
  /** The content type of every error body. */
  public static final String CONTENT_TYPE = "application/json; charset=utf-8";

  private static final Logger LOG = LoggerFactory.getLogger(HttpErrors.class);

  private HttpErrors() {}

  /** Sends {@code error} with status {@code error.errorCode()}. */
  public static Future<Void> send(HttpServerResponse response, ErrorResponse error) {
    return response
        .setStatusCode(error.errorCode())
        .putHeader("Content-Type", CONTENT_TYPE)
        .end(error.toJson());
  }

  /** 400: the request is malformed; lists each invalid field. */
  public static Future<Void> badRequest(
      HttpServerResponse response, String message, List<ValidationError> errors) {
    return send(response, new ErrorResponse(400, message, errors));
  }

  /** 401: no or unknown credentials. */
  public static Future<Void> unauthorized(HttpServerResponse response, String message) {
    return send(response, ErrorResponse.of(401, message));
  }

  /** 403: credentials known but not allowed here. */
  public static Future<Void> forbidden(HttpServerResponse response, String message) {
    return send(response, ErrorResponse.of(403, message));
  }

  /** 404: unknown route or resource. */
  public static Future<Void> notFound(HttpServerResponse response, String message) {
    return send(response, ErrorResponse.of(404, message));
  }

  /** 413: the body is larger than the route allows. */
  public static Future<Void> payloadTooLarge(HttpServerResponse response, String message) {
    return send(response, ErrorResponse.of(413, message));
  }

  /** 415: a content type the route does not accept. */
  public static Future<Void> unsupportedMediaType(HttpServerResponse response, String message) {
    return send(response, ErrorResponse.of(415, message));
  }

  /** 422: well-formed but not convertible (unknown model, unknown kind, ...). */
  public static Future<Void> unprocessable(
      HttpServerResponse response, String message, List<ValidationError> errors) {
    return send(response, new ErrorResponse(422, message, errors));
  }

  /** 429 with {@code Retry-After}: the caller sends too much. */
  public static Future<Void> tooManyRequests(
      HttpServerResponse response, String message, Duration retryAfter) {
    response.putHeader("Retry-After", retryAfterSeconds(retryAfter));
    return send(response, ErrorResponse.of(429, message));
  }

  /** 503 with {@code Retry-After}: Kafka unreachable or the service overloaded. */
  public static Future<Void> serviceUnavailable(
      HttpServerResponse response, String message, Duration retryAfter) {
    response.putHeader("Retry-After", retryAfterSeconds(retryAfter));
    return send(response, ErrorResponse.of(503, message));
  }

  /**
   * Makes the router answer its own failures with the error shape: 404 unknown route, 405 wrong
   * method, 413 body over the limit (from {@code BodyHandler}), 415 wrong content type, 400 and
   * 500. A handler that already ended the response is left alone; a 500 is logged, never its body.
   */
  public static Router installDefaults(Router router) {
    router.errorHandler(400, ctx -> fallback(ctx, 400, "bad request"));
    router.errorHandler(404, ctx -> fallback(ctx, 404, "no such route: " + ctx.request().path()));
    router.errorHandler(
        405, ctx -> fallback(ctx, 405, "method not allowed: " + ctx.request().method()));
    router.errorHandler(413, ctx -> fallback(ctx, 413, "request body too large"));
    router.errorHandler(415, ctx -> fallback(ctx, 415, "unsupported content type"));
    router.errorHandler(500, ctx -> fallback(ctx, 500, "internal error"));
    return router;
  }

  private static void fallback(RoutingContext ctx, int status, String message) {
    if (status == 500 && ctx.failure() != null) {
      LOG.warn(
          "{} {} failed: {}",
          ctx.request().method(),
          ctx.request().path(),
          ctx.failure().toString());
      LOG.debug("request failure", ctx.failure());
    }
    if (!ctx.response().ended() && !ctx.response().headWritten()) {
      send(ctx.response(), ErrorResponse.of(status, message));
    }
  }

  /** Retry-After takes whole seconds; round up so a client never retries too early. */
  static String retryAfterSeconds(Duration retryAfter) {
    long millis = Math.max(0, retryAfter.toMillis());
    return Long.toString((millis + 999) / 1000);
  }
}
