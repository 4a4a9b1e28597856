package dev.flywheel.ingest;

import dev.flywheel.common.error.ValidationError;
import dev.flywheel.common.metrics.Metrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import io.vertx.ext.web.handler.SecurityPolicyHandler;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The handlers every request passes before its operation: request timing, authentication and
 * authorization (before the body is read), the per-app rate limit, and a strict check that a body
 * is UTF-8 JSON (the contract validator neither rejects invalid UTF-8 nor answers malformed JSON
 * reliably, so this comes first and fails with the one error shape).
 */
final class Gatekeeper {
  static final String PRINCIPAL = "flywheel.principal";
  static final String OPERATION = "flywheel.operation";
  static final String PARSED_BODY = "flywheel.parsed.body";
  private static final String ROLE_EXTENSION = "x-flywheel-role";
  private static final String RATE_LIMITED = "flywheel.ingest.rate.limited";

  private final OpenAPIContract contract;
  private final ApiKeys keys;
  private final RateLimiter rateLimiter;
  private final MeterRegistry metrics;
  private final Map<TimerKey, Timer> timers = new ConcurrentHashMap<>();

  Gatekeeper(
      OpenAPIContract contract, ApiKeys keys, RateLimiter rateLimiter, MeterRegistry metrics) {
    this.contract = contract;
    this.keys = keys;
    this.rateLimiter = rateLimiter;
    this.metrics = metrics;
    // Present at 0 for every configured app, so the 429 panel and alerts have a series to rate.
    keys.appIds().forEach(app -> metrics.counter(RATE_LIMITED, "app", app));
  }

  /** Times the request and records it by operation and status once the response ends. */
  void timeRequest(RoutingContext ctx) {
    long started = System.nanoTime();
    ctx.addEndHandler(
        done -> {
          TimerKey key =
              new TimerKey(
                  ctx.get(OPERATION, "unmatched"),
                  ctx.request().method().name(),
                  ctx.response().getStatusCode());
          timers
              .computeIfAbsent(key, this::requestTimer)
              .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        });
    ctx.next();
  }

  /** A request timer's tags; a record, so that finding the timer builds no string per request. */
  private record TimerKey(String route, String method, int status) {}

  private Timer requestTimer(TimerKey key) {
    return Metrics.latencyTimer("ingest", "request.duration", "HTTP requests by route and status")
        .tag("route", key.route())
        .tag("method", key.method())
        .tag("status", Integer.toString(key.status()))
        .register(metrics);
  }

  /** 401 without a valid key, 403 for an admin operation with an app key, 429 over the limit. */
  void authenticate(RoutingContext ctx) {
    Operation operation = contract.findOperation(ctx.request().path(), ctx.request().method());
    if (operation == null) {
      // Unknown route or method: the router answers 404 / 405.
      ctx.next();
      return;
    }
    ctx.put(OPERATION, operation.getOperationId());
    Principal principal = keys.authenticate(presentedKey(ctx)).orElse(null);
    if (principal == null) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
      ctx.fail(ApiException.of(401, "a valid API key is required (Authorization: Bearer <key>)"));
      return;
    }
    Role required =
        "admin".equals(operation.getExtensions().get(ROLE_EXTENSION)) ? Role.ADMIN : Role.APP;
    if (!principal.role().allows(required)) {
      ctx.fail(ApiException.of(403, "this operation needs an admin key"));
      return;
    }
    Duration wait = rateLimiter.tryAcquire(principal.appId());
    if (!wait.isZero()) {
      metrics.counter(RATE_LIMITED, "app", principal.appId()).increment();
      ctx.fail(
          ApiException.tooManyRequests("rate limit exceeded for app " + principal.appId(), wait));
      return;
    }
    ctx.put(PRINCIPAL, principal);
    ctx.next();
  }

  /** 400 for a body that is not UTF-8 or not JSON, before the contract validation sees it. */
  void checkJsonBody(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      ctx.next();
      return;
    }
    byte[] bytes = body.getBytes();
    String text;
    try {
      // Most bodies are ASCII, which is valid UTF-8 as it is: no strict decoder needed.
      text =
          isAscii(bytes)
              ? new String(bytes, StandardCharsets.ISO_8859_1)
              : StandardCharsets.UTF_8
                  .newDecoder()
                  .onMalformedInput(CodingErrorAction.REPORT)
                  .onUnmappableCharacter(CodingErrorAction.REPORT)
                  .decode(ByteBuffer.wrap(bytes))
                  .toString();
    } catch (CharacterCodingException e) {
      ctx.fail(
          ApiException.badRequest(
              "the request body is not valid UTF-8",
              List.of(new ValidationError("body", "invalid UTF-8 byte sequence"))));
      return;
    }
    String type = ctx.request().getHeader("Content-Type");
    if (type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      try {
        ctx.put(PARSED_BODY, Json.decodeValue(text));
      } catch (DecodeException e) {
        ctx.fail(
            ApiException.badRequest(
                "the request body is not valid JSON",
                List.of(new ValidationError("body", "malformed JSON"))));
        return;
      }
    }
    ctx.next();
  }

  private static boolean isAscii(byte[] bytes) {
    for (byte b : bytes) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }

  /** The timing step as a platform handler: Vert.x runs those before the body handler. */
  PlatformHandler timing() {
    return this::timeRequest;
  }

  /**
   * The key check as a security-policy handler, which Vert.x runs before the body handler: a caller
   * without a valid key never gets its body read.
   */
  SecurityPolicyHandler keyCheck() {
    return this::authenticate;
  }

  static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  private static String presentedKey(RoutingContext ctx) {
    String authorization = ctx.request().getHeader("Authorization");
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return authorization.substring(7).trim();
    }
    return ctx.request().getHeader("X-API-Key");
  }
}
