package dev.flywheel.ingest;

import dev.flywheel.common.error.ValidationError;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;
import java.util.List;
import java.util.regex.Pattern;

/** Small accessors for what the contract validation left on a routing context. */
final class Requests {
  private static final Pattern POSITIVE_INT = Pattern.compile("[1-9][0-9]{0,9}");

  private Requests() {}

  static ValidatedRequest validated(RoutingContext ctx) {
    return ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
  }

  /** A string path parameter (validated by the router or by {@link ContractValidation}). */
  static String pathString(RoutingContext ctx, String name) {
    return ctx.pathParam(name);
  }

  /**
   * A positive int path parameter, read strictly from the raw path: decimal digits without sign,
   * fraction or leading zero, within int's range (so {@code 4294967297} is refused, not wrapped to
   * 1, and {@code 1.0} or {@code +1} are not read as 1).
   *
   * @throws ApiException 400 naming the parameter otherwise
   */
  static int pathInt(RoutingContext ctx, String name) {
    String raw = ctx.pathParam(name);
    if (raw == null
        || !POSITIVE_INT.matcher(raw).matches()
        || Long.parseLong(raw) > Integer.MAX_VALUE) {
      throw ApiException.badRequest(
          "the request does not match the API contract",
          List.of(
              new ValidationError(
                  name, "must be a whole number from 1 to " + Integer.MAX_VALUE + ", in digits")));
    }
    return Integer.parseInt(raw);
  }

  static String query(RoutingContext ctx, String name) {
    RequestParameter parameter = validated(ctx).getQuery().get(name);
    return parameter == null || parameter.isNull() ? null : parameter.getString();
  }

  /** The validated body; null when there is none. */
  static Object body(RoutingContext ctx) {
    Object parsed = ctx.get(ContractValidation.BODY);
    if (parsed != null) {
      return parsed;
    }
    ValidatedRequest validated = validated(ctx);
    if (validated == null) {
      return null;
    }
    RequestParameter body = validated.getBody();
    return body == null || body.isNull() || body.isEmpty() ? null : body.get();
  }

  /** The validated body as an object; an empty object when there is none. */
  static JsonObject bodyObject(RoutingContext ctx) {
    Object body = body(ctx);
    return body instanceof JsonObject json ? json : new JsonObject();
  }

  static void json(RoutingContext ctx, int status, Object body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .end(io.vertx.core.json.Json.encode(body));
  }
}
