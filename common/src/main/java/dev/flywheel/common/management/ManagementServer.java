package dev.flywheel.common.management;

import dev.flywheel.common.error.HttpErrors;
import dev.flywheel.common.lifecycle.Service;
import dev.flywheel.common.metrics.Metrics;
import dev.flywheel.common.metrics.Scrape;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management HTTP server of a service, on its own port: {@code GET /health/live}, {@code GET
 * /health/ready} (200 when every check is up, else 503; the JSON body names each check, its status
 * and detail) and {@code GET /metrics} (Prometheus text 0.0.4, or OpenMetrics when the {@code
 * Accept} header asks for it). Checks and scrapes run on worker threads, never on the event loop.
 * Port 0 picks a free port; {@link #port()} tells which.
 */
@SuppressWarnings("try") // close() may be interrupted; see Service
public final class ManagementServer implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(ManagementServer.class);
  private static final String JSON = "application/json; charset=utf-8";

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final String host;
  private final int requestedPort;
  private final PrometheusMeterRegistry registry;
  private final HealthChecks health;
  private final Duration checkTimeout;
  private final Duration startTimeout;
  private final List<Consumer<Router>> routes;
  private volatile HttpServer server;

  private ManagementServer(Builder b) {
    this.ownsVertx = b.vertx == null;
    this.vertx = ownsVertx ? Vertx.vertx() : b.vertx;
    this.host = b.host;
    this.requestedPort = b.port;
    this.registry = b.registry == null ? Metrics.registry() : b.registry;
    this.health = b.health;
    this.checkTimeout = b.checkTimeout;
    this.startTimeout = b.startTimeout;
    this.routes = List.copyOf(b.routes);
  }

  /** Starts a configuration: port 0, all interfaces, the process registry, no checks. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return "management-http";
  }

  /** Starts listening; the future completes with the bound port once the server accepts. */
  public Future<Integer> startAsync() {
    Router router = Router.router(vertx);
    router.get("/health/live").handler(ctx -> respondHealth(ctx, health.liveness()));
    router.get("/health/ready").handler(ctx -> respondHealth(ctx, health.readiness()));
    router.get("/metrics").handler(this::respondMetrics);
    routes.forEach(mount -> mount.accept(router));
    HttpErrors.installDefaults(router);
    return vertx
        .createHttpServer()
        .requestHandler(router)
        .listen(requestedPort, host)
        .map(
            s -> {
              server = s;
              LOG.info("management server listening on {}:{}", host, s.actualPort());
              return s.actualPort();
            });
  }

  /** Starts and blocks until the server listens. */
  @Override
  public void start() throws Exception {
    try {
      startAsync()
          .toCompletionStage()
          .toCompletableFuture()
          .get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  /**
   * The port the server listens on.
   *
   * @throws IllegalStateException before the server listens
   */
  public int port() {
    HttpServer current = server;
    if (current == null) {
      throw new IllegalStateException("management server is not listening");
    }
    return current.actualPort();
  }

  @Override
  public void close() throws Exception {
    HttpServer current = server;
    server = null;
    try {
      if (current != null) {
        await(current.close());
      }
    } finally {
      if (ownsVertx) {
        await(vertx.close());
      }
    }
  }

  private void await(Future<?> future) throws Exception {
    try {
      future
          .toCompletionStage()
          .toCompletableFuture()
          .get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  private void respondHealth(RoutingContext ctx, Map<String, HealthCheck> checks) {
    List<String> names = new ArrayList<>(checks.keySet());
    List<Future<CheckResult>> results = new ArrayList<>();
    for (String name : names) {
      results.add(evaluate(checks.get(name)));
    }
    Future.all(results)
        .onComplete(
            done -> {
              boolean allUp = true;
              JsonArray array = new JsonArray();
              for (int i = 0; i < names.size(); i++) {
                CheckResult result = results.get(i).result();
                allUp &= result.up();
                array.add(
                    new JsonObject()
                        .put("name", names.get(i))
                        .put("status", result.status())
                        .put("detail", result.detail()));
              }
              JsonObject body =
                  new JsonObject().put("status", allUp ? "UP" : "DOWN").put("checks", array);
              ctx.response()
                  .setStatusCode(allUp ? 200 : 503)
                  .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
                  .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                  .end(body.encode());
            });
  }

  private Future<CheckResult> evaluate(HealthCheck check) {
    return vertx
        .executeBlocking(check::check, false)
        .timeout(checkTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .map(result -> result == null ? CheckResult.down("check returned nothing") : result)
        .recover(error -> Future.succeededFuture(CheckResult.down(describe(error))));
  }

  private static String describe(Throwable error) {
    if (error instanceof TimeoutException) {
      return "check timed out";
    }
    String message = error.getMessage();
    return error.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private void respondMetrics(RoutingContext ctx) {
    String accept = ctx.request().getHeader(HttpHeaders.ACCEPT);
    vertx
        .executeBlocking(() -> Scrape.of(registry, accept), false)
        .onSuccess(
            scrape ->
                ctx.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, scrape.contentType())
                    .end(scrape.body()))
        .onFailure(ctx::fail);
  }

  /** Configures a {@link ManagementServer}. */
  public static final class Builder {
    private Vertx vertx;
    private String host = "127.0.0.1";
    private int port;
    private PrometheusMeterRegistry registry;
    private HealthChecks health = new HealthChecks();
    private Duration checkTimeout = Duration.ofSeconds(2);
    private Duration startTimeout = Duration.ofSeconds(30);
    private final List<Consumer<Router>> routes = new ArrayList<>();

    private Builder() {}

    /**
     * Mounts a service's own operational routes (e.g. a dashboard query API) beside health and
     * metrics, so operators reach them on the one management port.
     */
    public Builder routes(Consumer<Router> mount) {
      this.routes.add(Objects.requireNonNull(mount, "mount"));
      return this;
    }

    /** Shares an existing Vert.x instance (the server then leaves it open on close). */
    public Builder vertx(Vertx shared) {
      this.vertx = Objects.requireNonNull(shared, "shared");
      return this;
    }

    /** The interface to bind (default loopback only). */
    public Builder host(String bindHost) {
      this.host = Objects.requireNonNull(bindHost, "bindHost");
      return this;
    }

    /** The port; 0 (default) picks a free one. */
    public Builder port(int listenPort) {
      if (listenPort < 0 || listenPort > 65535) {
        throw new IllegalArgumentException("port must be 0..65535, was " + listenPort);
      }
      this.port = listenPort;
      return this;
    }

    /** The registry to expose (default {@link Metrics#registry()}). */
    public Builder registry(PrometheusMeterRegistry meterRegistry) {
      this.registry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /** The checks to evaluate. */
    public Builder health(HealthChecks checks) {
      this.health = Objects.requireNonNull(checks, "checks");
      return this;
    }

    /** How long one check may take before it counts as down (default 2 s). */
    public Builder checkTimeout(Duration timeout) {
      this.checkTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** The server. */
    public ManagementServer build() {
      return new ManagementServer(this);
    }
  }
}
