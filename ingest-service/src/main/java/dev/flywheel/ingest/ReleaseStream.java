package dev.flywheel.ingest;

import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * {@code GET /v1/releases/stream}: Server-Sent Events of releases. Each event's id is the stream's
 * Kafka position after it ({@link Positions}); a client reconnecting with {@code Last-Event-ID}
 * resumes right after the last event it saw, so it receives every later release exactly once. Every
 * write happens on the connection's own context, which keeps the position consistent.
 */
final class ReleaseStream {
  private static final long KEEP_ALIVE_MS = 15_000;

  private final RegistryView registry;
  private final AtomicInteger open;

  /** {@code open} counts the streams of every API instance (the gauge's value). */
  ReleaseStream(RegistryView registry, AtomicInteger open) {
    this.registry = registry;
    this.open = open;
  }

  void stream(RoutingContext ctx) {
    String model = Requests.query(ctx, "model");
    String lastEventId = ctx.request().getHeader("Last-Event-ID");
    Positions position;
    if (lastEventId != null && !lastEventId.isBlank()) {
      position =
          Positions.parse(lastEventId)
              .orElseThrow(
                  () -> ApiException.badRequest("Last-Event-ID is not a position", List.of()));
    } else if ("beginning".equals(Requests.query(ctx, "from"))) {
      position = Positions.of(java.util.Map.of());
    } else {
      position = registry.releaseEnd();
    }
    HttpServerResponse response = ctx.response();
    response
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no");
    response.write("retry: 2000\nevent: ready\nid: " + position.render() + "\ndata: {}\n\n");
    Context context = ctx.vertx().getOrCreateContext();
    Runnable drain = () -> drain(response, position, model);
    Consumer<ReleaseEntry> listener = entry -> context.runOnContext(v -> drain.run());
    registry.addReleaseListener(listener);
    open.incrementAndGet();
    long timer =
        ctx.vertx()
            .setPeriodic(
                KEEP_ALIVE_MS,
                id -> {
                  if (!response.closed()) {
                    response.write(": keep-alive\n\n");
                  }
                });
    response.closeHandler(
        v -> {
          registry.removeReleaseListener(listener);
          ctx.vertx().cancelTimer(timer);
          open.decrementAndGet();
        });
    // Releases that happened before the listener was added (or since the client's last id).
    drain.run();
  }

  private void drain(HttpServerResponse response, Positions position, String model) {
    if (response.closed()) {
      return;
    }
    for (ReleaseEntry entry : registry.releases()) {
      if (!position.pending(entry)) {
        continue;
      }
      position.advance(entry);
      if (model != null && !model.equals(entry.model())) {
        continue;
      }
      JsonObject data = Views.release(entry);
      response.write(
          "event: release\nid: " + position.render() + "\ndata: " + data.encode() + "\n\n");
    }
  }
}
