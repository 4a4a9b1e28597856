package dev.flywheel.feedback;

import dev.flywheel.common.auth.ApiKeys;
import dev.flywheel.common.auth.RequestTargets;
import dev.flywheel.common.error.HttpErrors;
import dev.flywheel.common.error.ValidationError;
import dev.flywheel.common.lifecycle.Service;
import dev.flywheel.schemas.Events;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/quality/{model}?windows=N}: the live quality of every version of a model, newest
 * window first (at most N per version, default 12), read from the quality window store by an
 * interactive query. 404 when the store holds no window of that model, 503 while the store cannot
 * be queried (rebalancing, starting). With several instances each answers for the partitions it
 * holds.
 */
final class QualityApi implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(QualityApi.class);
  static final int DEFAULT_WINDOWS = 12;
  static final int MAX_WINDOWS = 1000;
  private static final String JSON = "application/json; charset=utf-8";

  private final Supplier<KafkaStreams> streams;
  private final String host;
  private final int port;
  private final ApiKeys keys;
  private final Duration windowSize;
  private Vertx vertx;
  private volatile HttpServer server;

  QualityApi(
      Supplier<KafkaStreams> streams, String host, int port, ApiKeys keys, Duration windowSize) {
    this.streams = streams;
    this.host = host;
    this.port = port;
    this.keys = keys;
    this.windowSize = windowSize;
  }

  @Override
  public String name() {
    return "quality-http";
  }

  @Override
  public void start() throws Exception {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.route().handler(this::admit);
    router.get("/v1/quality/:model").handler(this::quality);
    HttpErrors.installDefaults(router);
    if (keys.size() == 0) {
      LOG.warn("live-quality API has no keys (feedback.api.keys): it refuses every request");
    }
    server = await(vertx.createHttpServer().requestHandler(router).listen(port, host));
    LOG.info("live-quality API listening on {}:{}", host, server.actualPort());
  }

  /** The port the API listens on. */
  int port() {
    HttpServer current = server;
    if (current == null) {
      throw new IllegalStateException("quality API is not listening");
    }
    return current.actualPort();
  }

  @Override
  public void close() throws Exception {
    HttpServer current = server;
    server = null;
    if (vertx != null) {
      try {
        if (current != null) {
          await(current.close());
        }
      } finally {
        await(vertx.close());
        vertx = null;
      }
    }
  }

  /**
   * Every request, before routing: its path in the one canonical spelling (400) and a key the
   * gateway would accept (401), whatever the path, so that nothing is answered without one.
   */
  private void admit(RoutingContext ctx) {
    Optional<String> problem = RequestTargets.problem(ctx.request().path());
    if (problem.isPresent()) {
      HttpErrors.badRequest(
          ctx.response(),
          "the request target is not canonical",
          List.of(new ValidationError("path", problem.get())));
      return;
    }
    if (keys.authenticate(ApiKeys.presentedKey(ctx.request())).isEmpty()) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
      HttpErrors.unauthorized(
          ctx.response(), "a valid API key is required (Authorization: Bearer <key>)");
      return;
    }
    ctx.next();
  }

  private void quality(RoutingContext ctx) {
    String model = ctx.pathParam("model");
    int limit;
    try {
      String given = ctx.request().getParam("windows");
      limit = given == null ? DEFAULT_WINDOWS : Integer.parseInt(given);
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (limit < 1 || limit > MAX_WINDOWS) {
      HttpErrors.badRequest(
          ctx.response(), "windows must be a number from 1 to " + MAX_WINDOWS, List.of());
      return;
    }
    int windows = limit;
    vertx
        .executeBlocking(() -> query(model, windows), false)
        .onSuccess(
            body -> {
              if (body == null) {
                HttpErrors.notFound(ctx.response(), "no live quality for model '" + model + "'");
              } else {
                ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body.encode());
              }
            })
        .onFailure(
            error -> {
              if (error instanceof InvalidStateStoreException) {
                HttpErrors.serviceUnavailable(
                    ctx.response(), "live quality not queryable now", Duration.ofSeconds(2));
              } else {
                ctx.fail(error);
              }
            });
  }

  /** The JSON answer, or null when no window of {@code model} is held here. */
  JsonObject query(String model, int limit) {
    ReadOnlyWindowStore<String, QualityCounts> store =
        streams
            .get()
            .store(
                StoreQueryParameters.fromNameAndType(
                    FeedbackTopology.QUALITY_STORE, QueryableStoreTypes.windowStore()));
    String prefix = model + ":";
    Map<Integer, List<KeyValue<Windowed<String>, QualityCounts>>> byVersion = new TreeMap<>();
    try (KeyValueIterator<Windowed<String>, QualityCounts> all =
        store.fetchAll(Instant.EPOCH, Instant.now().plus(Duration.ofDays(365)))) {
      while (all.hasNext()) {
        KeyValue<Windowed<String>, QualityCounts> entry = all.next();
        String key = entry.key.key();
        if (key.startsWith(prefix) && key.indexOf(':', prefix.length()) < 0) {
          int version = Events.parseVersion(key.substring(prefix.length()));
          byVersion.computeIfAbsent(version, v -> new ArrayList<>()).add(entry);
        }
      }
    }
    if (byVersion.isEmpty()) {
      return null;
    }
    JsonArray versions = new JsonArray();
    byVersion.forEach(
        (version, entries) -> {
          entries.sort((a, b) -> Long.compare(b.key.window().start(), a.key.window().start()));
          JsonArray windows = new JsonArray();
          entries.stream().limit(limit).forEach(e -> windows.add(window(e.key, e.value)));
          versions.add(new JsonObject().put("version", version).put("windows", windows));
        });
    return new JsonObject()
        .put("model", model)
        .put("windowMillis", windowSize.toMillis())
        .put("confidence", Wilson.CONFIDENCE)
        .put("versions", versions);
  }

  private static JsonObject window(Windowed<String> key, QualityCounts counts) {
    Wilson accuracy = counts.accuracy();
    return new JsonObject()
        .put("start", key.window().startTime().toString())
        .put("end", key.window().endTime().toString())
        .put("predictions", counts.predictions())
        .put("feedback", counts.feedback())
        .put("confirmations", counts.confirmations())
        .put("corrections", counts.corrections())
        .put("thumbsDown", counts.thumbsDown())
        .put("comments", counts.comments())
        .put("liveAccuracy", accuracy == null ? null : accuracy.estimate())
        .put("accuracyLower", accuracy == null ? null : accuracy.lower())
        .put("accuracyUpper", accuracy == null ? null : accuracy.upper());
  }

  private static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }
}
