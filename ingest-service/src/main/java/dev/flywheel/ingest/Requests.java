package dev.flywheel.ingest;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;

/** Small accessors for what the contract validation left on a routing context. */
final class Requests {
  private Requests() {}

  static ValidatedRequest validated(RoutingContext ctx) {
    return ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
  }

  /** A string path parameter (validated by the router or by {@link ContractValidation}). */
  static String pathString(RoutingContext ctx, String name) {
    return ctx.pathParam(name);
  }

  static int pathInt(RoutingContext ctx, String name) {
    return validated(ctx).getPathParameters().get(name).getInteger();
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
