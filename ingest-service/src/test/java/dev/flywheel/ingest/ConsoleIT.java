package dev.flywheel.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.events.ExampleSource;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.ModelRef;
import dev.flywheel.events.Provenance;
import dev.flywheel.events.QualityReport;
import dev.flywheel.events.RetrainReason;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.events.TrainingPhase;
import dev.flywheel.events.TrainingProgress;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The console's side of the gateway on a real broker: its files are public (GET and HEAD of exact
 * paths only) with the security headers, nothing else is, and the activity and whoami operations
 * answer from the topics the gateway follows.
 */
@ExtendWith(EmbeddedInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleIT {
  private static final String MODEL = "console-model";

  private TestGateway gateway;

  @BeforeAll
  void start(EmbeddedInfra infra) throws Exception {
    gateway =
        TestGateway.start(
            infra.bootstrapServers(),
            infra.registryUrl(),
            infra.newTopicPrefix() + "console",
            Map.of("ingest.served.models", "none"));
  }

  @AfterAll
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  @Timeout(60)
  void shouldServeTheConsoleFilesWithoutAKeyWithStrictSecurityHeaders() throws Exception {
    for (String path :
        List.of(
            "/",
            "/console/app.js",
            "/console/views.js",
            "/console/console.css",
            "/console/lib/uplot.js",
            "/console/lib/swagger-ui-bundle.js",
            "/openapi.yaml")) {
      RawHttp.Reply reply = RawHttp.send(gateway.service.httpPort(), "GET", path, null, null);
      assertThat(reply.status()).as(path).isEqualTo(200);
      assertThat(reply.headers())
          .as(path)
          .containsEntry("content-security-policy", ConsoleAssets.CONTENT_SECURITY_POLICY)
          .containsEntry("x-content-type-options", "nosniff")
          .containsEntry("x-frame-options", "DENY")
          .containsEntry("referrer-policy", "no-referrer");
      assertThat(reply.body()).isNotEmpty();
    }
    assertThat(ConsoleAssets.CONTENT_SECURITY_POLICY)
        .contains("script-src 'self';", "style-src 'self';", "frame-ancestors 'none'")
        .doesNotContain("unsafe");
    RawHttp.Reply index = RawHttp.send(gateway.service.httpPort(), "GET", "/", null, null);
    assertThat(index.headers().get("content-type")).startsWith("text/html");
    assertThat(index.body()).contains("<script type=\"module\" src=\"/console/app.js\">");
    assertThat(index.body()).doesNotContainPattern("<script>|<script [^>]*>[^<]+</script>");
    assertThat(index.body()).doesNotContain("style=");
  }

  @Test
  @Timeout(60)
  void shouldServeCompressedFilesAndAnswer304ForTheirEtag() throws Exception {
    HttpResponse<byte[]> gzipped =
        gateway
            .http()
            .send(
                HttpRequest.newBuilder(gateway.uri("/console/lib/uplot.js"))
                    .header("Accept-Encoding", "gzip")
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(gzipped.statusCode()).isEqualTo(200);
    assertThat(gzipped.headers().firstValue("Content-Encoding")).contains("gzip");
    String text = gunzip(gzipped.body());
    assertThat(text).contains("uPlot");
    assertThat(gzipped.body().length).isLessThan(text.length() / 2);

    String etag = gzipped.headers().firstValue("ETag").orElseThrow();
    HttpResponse<String> again =
        gateway
            .http()
            .send(
                HttpRequest.newBuilder(gateway.uri("/console/lib/uplot.js"))
                    .header("If-None-Match", etag)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(again.statusCode()).isEqualTo(304);
  }

  @Test
  @Timeout(60)
  void shouldKeepEverythingButTheConsoleFilesBehindTheKey() throws Exception {
    int port = gateway.service.httpPort();
    for (String path :
        List.of(
            "/console",
            "/console/missing.js",
            "/console/lib",
            "/index.html",
            "/webjars/uplot/1.6.30/dist/uplot.iife.min.js",
            "/v1/models",
            "/v1/whoami")) {
      assertThat(RawHttp.send(port, "GET", path, null, null).status()).as(path).isEqualTo(401);
    }
    for (String method : List.of("POST", "PUT", "DELETE", "OPTIONS", "PATCH")) {
      RawHttp.Reply reply = RawHttp.send(port, method, "/console/app.js", null, "{}");
      assertThat(reply.status()).as(method).isEqualTo(401);
    }
    RawHttp.Reply withBody = RawHttp.send(port, "GET", "/console/app.js", null, "{}");
    assertThat(withBody.status()).isEqualTo(400);
    assertThat(withBody.isErrorShape()).isTrue();
    assertThat(RawHttp.send(port, "GET", "/console/App.js", null, null).status()).isEqualTo(400);
    assertThat(RawHttp.send(port, "GET", "/console/lib/uPlot.iife.min.js", null, null).status())
        .as("the WebJar's own file name is not canonical: it is served under an alias only")
        .isEqualTo(400);
    assertThat(RawHttp.send(port, "GET", "/console//app.js", null, null).status()).isEqualTo(400);
    assertThat(RawHttp.send(port, "GET", "/console/./app.js", null, null).status()).isEqualTo(400);
  }

  @Test
  @Timeout(60)
  void shouldTellTheCallerItsAppAndRole() throws Exception {
    JsonObject app = TestGateway.json(gateway.get("/v1/whoami", TestGateway.APP_KEY));
    assertThat(app.getString("app_id")).isEqualTo("shop");
    assertThat(app.getString("role")).isEqualTo("app");
    JsonObject admin = TestGateway.json(gateway.get("/v1/whoami", TestGateway.ADMIN_KEY));
    assertThat(admin.getString("role")).isEqualTo("admin");
  }

  @Test
  @Timeout(120)
  void shouldReportLiveQualityExamplesUntilRetrainAndTrainingProgressFromTheTopics()
      throws Exception {
    assertThat(
            gateway
                .put(
                    "/v1/models/" + MODEL,
                    TestGateway.ADMIN_KEY,
                    "{\"labels\":[\"a\",\"b\"],\"trigger\":{\"min_new_examples\":10}}")
                .statusCode())
        .isEqualTo(202);
    Instant now = Instant.now();
    Instant window = now.minusSeconds(60);
    gateway.produce(
        gateway.topics.retrainRequests(),
        MODEL,
        RetrainRequested.newBuilder()
            .setRequestId("r-1")
            .setModel(MODEL)
            .setReason(RetrainReason.MANUAL)
            .setTimestamp(now.minusSeconds(30))
            .build());
    for (int i = 0; i < 4; i++) {
      gateway.produce(gateway.topics.examples(), "e-" + i, example("e-" + i, i == 3));
    }
    gateway.produce(
        gateway.topics.quality(), MODEL + ":v1", quality(window, now.minusSeconds(20), 2));
    gateway.produce(gateway.topics.quality(), MODEL + ":v1", quality(window, now, 5));
    gateway.produce(
        gateway.topics.trainingProgress(),
        "r-1",
        TrainingProgress.newBuilder()
            .setRequestId("r-1")
            .setModel(MODEL)
            .setVersion(2)
            .setPhase(TrainingPhase.EPOCH)
            .setEpoch(2)
            .setEpochs(5)
            .setLoss(0.5)
            .setValidationAccuracy(0.75)
            .setDevice("cpu")
            .setWorker("w-1")
            .setTimestamp(now)
            .build());

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              JsonObject activity =
                  TestGateway.json(
                      gateway.get("/v1/models/" + MODEL + "/activity", TestGateway.APP_KEY));
              assertThat(activity.getJsonArray("quality")).hasSize(2);
              assertThat(activity.getJsonObject("live").getLong("feedback")).isEqualTo(5);
              assertThat(activity.getJsonObject("live").getDouble("live_accuracy")).isEqualTo(0.8);
              // Both reports fall in the last five minutes: 5 feedback / 5 minutes.
              assertThat(activity.getJsonObject("feedback").getDouble("per_minute")).isEqualTo(1.0);
              JsonObject trigger = activity.getJsonObject("trigger");
              assertThat(trigger.getLong("new_examples")).as("holdout not counted").isEqualTo(3);
              assertThat(trigger.getLong("until_next_retrain")).isEqualTo(7);
              assertThat(trigger.getJsonObject("last_request").getString("reason"))
                  .isEqualTo("manual");
              JsonObject training = activity.getJsonObject("training");
              assertThat(training.getBoolean("running")).isTrue();
              assertThat(training.getInteger("epoch")).isEqualTo(2);
              assertThat(training.getJsonArray("history")).hasSize(1);
            });
    JsonObject one =
        TestGateway.json(
            gateway.get("/v1/models/" + MODEL + "/activity?samples=1", TestGateway.APP_KEY));
    assertThat(one.getJsonArray("quality")).hasSize(1);
    for (String bad : List.of("0", "2001", "1.0", "x")) {
      assertThat(
              gateway
                  .get("/v1/models/" + MODEL + "/activity?samples=" + bad, TestGateway.APP_KEY)
                  .statusCode())
          .as("samples=%s", bad)
          .isEqualTo(400);
    }
    assertThat(gateway.get("/v1/models/nobody/activity", TestGateway.APP_KEY).statusCode())
        .isEqualTo(404);
  }

  private static LabeledExample example(String id, boolean holdout) {
    return LabeledExample.newBuilder()
        .setExampleId(id)
        .setModel(MODEL)
        .setText("text " + id)
        .setLabel("a")
        .setSource(ExampleSource.SUBMITTED)
        .setHoldout(holdout)
        .setProvenance(Provenance.newBuilder().build())
        .setTimestamp(Instant.now())
        .build();
  }

  private static QualityReport quality(Instant window, Instant at, long feedback) {
    return QualityReport.newBuilder()
        .setModel(ModelRef.newBuilder().setModel(MODEL).setVersion(1).build())
        .setWindowStart(window)
        .setWindowEnd(window.plusSeconds(3600))
        .setPredictions(10)
        .setFeedback(feedback)
        .setConfirmations(feedback - 1)
        .setCorrections(1)
        .setLiveAccuracy((feedback - 1) / (double) feedback)
        .setTimestamp(at)
        .build();
  }

  private static String gunzip(byte[] bytes) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
