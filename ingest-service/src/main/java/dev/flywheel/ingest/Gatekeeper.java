package dev.flywheel.ingest;

import dev.flywheel.common.auth.ApiKeys;
import dev.flywheel.common.auth.Principal;
import dev.flywheel.common.auth.RequestTargets;
import dev.flywheel.common.auth.Role;
import dev.flywheel.common.error.ValidationError;
import dev.flywheel.common.metrics.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
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
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The handlers every request passes before its operation, in this order: request timing, the
 * canonical-target check, authentication for every path (deny by default) with the early admin
 * check and the per-app rate limit (all before the body is read), and a strict check that a body is
 * UTF-8 JSON ({@link StrictJson}: the contract validator neither rejects invalid UTF-8 nor answers
 * malformed JSON reliably, so this comes first and fails with the one error shape). Each
 * operation's handler then runs behind {@link #authorized}, on the route that runs it.
 */
final class Gatekeeper {
  static final String PRINCIPAL = "flywheel.principal";
  static final String OPERATION = "flywheel.operation";
  static final String PARSED_BODY = "flywheel.parsed.body";
  private static final String ROLE_EXTENSION = "x-flywheel-role";
  private static final String RATE_LIMITED = "flywheel.ingest.rate.limited";
  static final String AUTHORIZED = "flywheel.ingest.operations.authorized";

  private final OpenAPIContract contract;
  private final ApiKeys keys;
  private final RateLimiter rateLimiter;
  private final MeterRegistry metrics;
  private final ConsoleAssets console;
  private final Map<TimerKey, Timer> timers = new ConcurrentHashMap<>();

  Gatekeeper(
      OpenAPIContract contract,
      ApiKeys keys,
      RateLimiter rateLimiter,
      MeterRegistry metrics,
      ConsoleAssets console) {
    this.contract = contract;
    this.console = console;
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

  /**
   * 400 for a request target that is not in its one canonical spelling ({@link RequestTargets}),
   * before anything else looks at the path: from here on the path every check sees is the path the
   * router matches.
   */
  void checkTarget(RoutingContext ctx) {
    Optional<String> problem = RequestTargets.problem(ctx.request().path());
    if (problem.isPresent()) {
      ctx.fail(
          ApiException.badRequest(
              "the request target is not canonical",
              List.of(new ValidationError("path", problem.get()))));
      return;
    }
    ctx.next();
  }

  /**
   * Deny by default, before the body is read: every request needs a valid key (401), whatever its
   * path, so a path that matches no operation here can never reach a handler unauthenticated. An
   * operation that needs the admin role is refused to app keys here already (403), so their bodies
   * are not even read; the route's own {@link #authorized} check decides again where the handler is
   * known. Then the per-app rate limit (429).
   *
   * <p>The one exception is the explicit allow-list of the console's static files ({@link
   * ConsoleAssets}): a GET or HEAD of exactly one of those paths goes on without a key (a browser
   * cannot send one for a script or a style sheet), and only without a body, so that nothing is
   * read for it.
   */
  void authenticate(RoutingContext ctx) {
    if (console.isPublic(ctx.request())) {
      if (hasBody(ctx.request())) {
        ctx.fail(ApiException.badRequest("a request for a console file has no body", List.of()));
        return;
      }
      ctx.put(OPERATION, "console");
      ctx.next();
      return;
    }
    Principal principal = keys.authenticate(ApiKeys.presentedKey(ctx.request())).orElse(null);
    if (principal == null) {
      ctx.fail(unauthenticated(ctx));
      return;
    }
    // The path is canonical (checkTarget ran first), so the contract finds what the router will.
    Operation operation = contract.findOperation(ctx.request().path(), ctx.request().method());
    if (operation != null) {
      ctx.put(OPERATION, operation.getOperationId());
      if (!principal.role().allows(requiredRole(operation))) {
        ctx.fail(forbidden());
        return;
      }
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

  /**
   * The handler of one operation, behind the authorization decided on the route that runs it: the
   * caller's principal must be there and hold the operation's role, else 401 / 403 and the handler
   * never runs. Handlers receive the principal as an argument, so none can run without one.
   */
  Handler<RoutingContext> authorized(String operationId, AuthorizedHandler handler) {
    Role required = requiredRole(contract.operation(operationId));
    Counter calls = metrics.counter(AUTHORIZED, "operation", operationId);
    return ctx -> {
      Principal principal = ctx.get(PRINCIPAL);
      if (principal == null) {
        ctx.fail(unauthenticated(ctx));
        return;
      }
      if (!principal.role().allows(required)) {
        ctx.fail(forbidden());
        return;
      }
      calls.increment();
      handler.handle(ctx, principal);
    };
  }

  /** A route handler that runs only for an authorized caller, who is passed in. */
  @FunctionalInterface
  interface AuthorizedHandler {
    void handle(RoutingContext ctx, Principal principal);
  }

  private static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader("Content-Length");
    return request.getHeader("Transfer-Encoding") != null
        || (length != null && !length.trim().equals("0"));
  }

  private static Role requiredRole(Operation operation) {
    return "admin".equals(operation.getExtensions().get(ROLE_EXTENSION)) ? Role.ADMIN : Role.APP;
  }

  private static ApiException unauthenticated(RoutingContext ctx) {
    ctx.response().putHeader("WWW-Authenticate", "Bearer");
    return ApiException.of(401, "a valid API key is required (Authorization: Bearer <key>)");
  }

  private static ApiException forbidden() {
    return ApiException.of(403, "this operation needs an admin key");
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
    if (type != null && type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      try {
        ctx.put(PARSED_BODY, StrictJson.parse(text));
      } catch (StrictJson.Invalid e) {
        ctx.fail(
            ApiException.badRequest(
                "the request body is not valid JSON",
                List.of(new ValidationError("body", e.getMessage()))));
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

  /** The canonical-target check as a platform handler, registered right after the timing. */
  PlatformHandler targetCheck() {
    return this::checkTarget;
  }

  /**
   * The key check as a security-policy handler, which Vert.x runs before the body handler: a caller
   * without a valid key never gets its body read.
   */
  SecurityPolicyHandler keyCheck() {
    return this::authenticate;
  }
}
