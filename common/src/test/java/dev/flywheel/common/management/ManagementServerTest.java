package dev.flywheel.common.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.common.error.ErrorResponse;
import dev.flywheel.common.metrics.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ManagementServerTest {
  private final Vertx clientVertx = Vertx.vertx();
  private final WebClient client = WebClient.create(clientVertx);
  private final PrometheusMeterRegistry registry = Metrics.newRegistry();
  private final HealthChecks health = new HealthChecks();
  private final CountDownLatch releaseSlowCheck = new CountDownLatch(1);
  private ManagementServer server;

  @BeforeEach
  void startServer() throws Exception {
    server =
        ManagementServer.builder()
            .host("127.0.0.1")
            .port(0)
            .registry(registry)
            .health(health)
            .checkTimeout(Duration.ofMillis(500))
            .build();
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    releaseSlowCheck.countDown();
    server.close();
    client.close();
    clientVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private HttpResponse<Buffer> get(String path) throws Exception {
    return send(client.get(server.port(), "127.0.0.1", path));
  }

  private static HttpResponse<Buffer> send(HttpRequest<Buffer> request) throws Exception {
    return request.send().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void shouldListenOnAFreePortWhenAskedForPortZero() {
    assertThat(server.port()).isPositive();
  }

  @Test
  void shouldBeLiveWithoutChecks() throws Exception {
    HttpResponse<Buffer> response = get("/health/live");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject())
        .isEqualTo(
            new JsonObject().put("status", "UP").put("checks", new io.vertx.core.json.JsonArray()));
  }

  @Test
  void shouldBeReadyOnlyWhenEveryCheckIsUpAndNameEachCheck() throws Exception {
    AtomicBoolean producerConnected = new AtomicBoolean(false);
    health
        .readiness("kafka-streams", () -> CheckResult.up("RUNNING"))
        .readiness(
            "producer", HealthCheck.of(producerConnected::get, "connected", "not connected"));

    HttpResponse<Buffer> notReady = get("/health/ready");
    producerConnected.set(true);
    HttpResponse<Buffer> ready = get("/health/ready");

    assertThat(notReady.statusCode()).isEqualTo(503);
    assertThat(notReady.getHeader("Content-Type")).startsWith("application/json");
    assertThat(notReady.bodyAsJsonObject().encode())
        .isEqualTo(
            "{\"status\":\"DOWN\",\"checks\":["
                + "{\"name\":\"kafka-streams\",\"status\":\"UP\",\"detail\":\"RUNNING\"},"
                + "{\"name\":\"producer\",\"status\":\"DOWN\",\"detail\":\"not connected\"}]}");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject().getString("status")).isEqualTo("UP");
  }

  @Test
  void shouldCountAThrowingOrSlowCheckAsDown() throws Exception {
    health
        .readiness(
            "registry",
            () -> {
              throw new IllegalStateException("registry unreachable");
            })
        .readiness(
            "slow",
            () -> {
              releaseSlowCheck.await();
              return CheckResult.up("late");
            });

    HttpResponse<Buffer> response = get("/health/ready");

    assertThat(response.statusCode()).isEqualTo(503);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getJsonArray("checks").getJsonObject(0).getString("detail"))
        .isEqualTo("IllegalStateException: registry unreachable");
    assertThat(body.getJsonArray("checks").getJsonObject(1).getString("detail"))
        .isEqualTo("check timed out");
  }

  @Test
  void shouldReportLivenessFromItsOwnChecks() throws Exception {
    health.liveness("streams", HealthCheck.stateIs(() -> "ERROR", "RUNNING"));

    HttpResponse<Buffer> response = get("/health/live");

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(
            response.bodyAsJsonObject().getJsonArray("checks").getJsonObject(0).getString("detail"))
        .isEqualTo("ERROR");
  }

  @Test
  void shouldServePrometheusTextWithHistogramBuckets() throws Exception {
    Timer timer =
        Metrics.latencyTimer("test", "probe.duration", "probe latency").register(registry);
    timer.record(Duration.ofMillis(3));

    HttpResponse<Buffer> response = get("/metrics");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Content-Type"))
        .isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    assertThat(response.bodyAsString())
        .contains("jvm_memory_used_bytes")
        .contains("flywheel_test_probe_duration_seconds_bucket{le=\"+Inf\"} 1");
  }

  @Test
  void shouldServeOpenMetricsWhenTheAcceptHeaderAsksForIt() throws Exception {
    HttpResponse<Buffer> response =
        send(
            client
                .get(server.port(), "127.0.0.1", "/metrics")
                .putHeader("Accept", "application/openmetrics-text;version=1.0.0"));

    assertThat(response.getHeader("Content-Type")).startsWith("application/openmetrics-text");
    assertThat(response.bodyAsString()).endsWith("# EOF\n");
  }

  @Test
  void shouldAnswerUnknownRoutesAndMethodsWithTheErrorShape() throws Exception {
    HttpResponse<Buffer> unknown = get("/nope");
    HttpResponse<Buffer> wrongMethod = send(client.post(server.port(), "127.0.0.1", "/metrics"));

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(ErrorResponse.fromJson(unknown.bodyAsString()))
        .isEqualTo(ErrorResponse.of(404, "no such route: /nope"));
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(ErrorResponse.fromJson(wrongMethod.bodyAsString()).errorCode()).isEqualTo(405);
  }

  @Test
  void shouldServeAServicesOwnRoutesBesideHealthAndMetrics() throws Exception {
    ManagementServer withRoutes =
        ManagementServer.builder()
            .host("127.0.0.1")
            .registry(registry)
            .routes(router -> router.get("/v1/quality/:model").handler(ctx -> ctx.end("q")))
            .build();
    withRoutes.start();
    try {
      HttpResponse<Buffer> own = send(client.get(withRoutes.port(), "127.0.0.1", "/v1/quality/m"));
      HttpResponse<Buffer> live = send(client.get(withRoutes.port(), "127.0.0.1", "/health/live"));

      assertThat(own.statusCode()).isEqualTo(200);
      assertThat(own.bodyAsString()).isEqualTo("q");
      assertThat(live.statusCode()).isEqualTo(200);
    } finally {
      withRoutes.close();
    }
  }

  @Test
  void shouldFailToStartOnABusyPort() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      ManagementServer second =
          ManagementServer.builder().host("127.0.0.1").port(busy.getLocalPort()).build();
      try {
        assertThatThrownBy(second::start).hasMessageContaining("ddress already in use");
      } finally {
        second.close();
      }
    }
  }

  @Test
  void shouldRefuseToTellThePortBeforeListening() {
    ManagementServer notStarted = ManagementServer.builder().registry(registry).build();
    try {
      assertThatThrownBy(notStarted::port).isInstanceOf(IllegalStateException.class);
    } finally {
      assertThatNoExceptionOnClose(notStarted);
    }
  }

  private static void assertThatNoExceptionOnClose(ManagementServer s) {
    try {
      s.close();
    } catch (Exception e) {
      throw new AssertionError("close failed", e);
    }
  }
}
