package dev.flywheel.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.events.DatasetSnapshot;
import dev.flywheel.events.Decision;
import dev.flywheel.events.EvaluationCompleted;
import dev.flywheel.events.FeedbackKind;
import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelMetrics;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.ReleaseAction;
import dev.flywheel.events.ReleaseKind;
import dev.flywheel.events.ReleaseRequested;
import dev.flywheel.events.RetrainReason;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.schemas.Events;
import dev.flywheel.schemas.ExampleIds;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

@ExtendWith(EmbeddedInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestApiIT {
  private static final String APP = TestGateway.APP_KEY;
  private static final String ADMIN = TestGateway.ADMIN_KEY;

  private TestGateway gateway;

  @BeforeAll
  void startGateway(EmbeddedInfra infra) throws Exception {
    gateway =
        TestGateway.start(
            infra.bootstrapServers(),
            infra.registryUrl(),
            infra.newTopicPrefix() + "api",
            // Its releases point at no real bundle: serve none of them.
            Map.of("ingest.max.body.bytes", "65536", "ingest.served.models", "none"));
  }

  @AfterAll
  void stopGateway() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  @Timeout(120)
  void shouldAcknowledgeFeedbackOnlyOnceItDecodesFromTheTopicWithTheKeysAppId() throws Exception {
    HttpResponse<String> single =
        gateway.post(
            "/v1/feedback",
            APP,
            "{\"kind\":\"thumbs_up\",\"prediction_id\":\"p-1\",\"idempotency_id\":\"idem-1\"}");
    assertThat(single.statusCode()).isEqualTo(202);
    assertThat(TestGateway.json(single).getString("idempotency_id")).isEqualTo("idem-1");

    HttpResponse<String> batch =
        gateway.post(
            "/v1/feedback",
            TestGateway.OTHER_APP_KEY,
            "[{\"kind\":\"correction\",\"prediction_id\":\"p-2\",\"label\":\"sports\"},"
                + "{\"kind\":\"thumbs_down\"},"
                + "{\"kind\":\"comment\",\"prediction_id\":\"p-3\",\"comment\":\"nice\"}]");
    assertThat(batch.statusCode()).isEqualTo(202);
    JsonObject result = TestGateway.json(batch);
    assertThat(result.getInteger("accepted")).isEqualTo(2);
    assertThat(result.getInteger("rejected")).isEqualTo(1);
    JsonObject rejected = result.getJsonArray("results").getJsonObject(1);
    assertThat(rejected.getString("status")).isEqualTo("rejected");
    assertThat(rejected.getJsonArray("validation_errors").getJsonObject(0).getString("field"))
        .isEqualTo("[1].prediction_id");

    List<ConsumerRecord<String, FeedbackReceived>> records =
        gateway.readAll(gateway.topics.feedback()).stream()
            .filter(r -> r.value().getKind() != FeedbackKind.EXAMPLE)
            .toList();
    assertThat(records)
        .extracting(r -> r.key(), r -> r.value().getKind(), r -> r.value().getApp())
        .contains(
            org.assertj.core.groups.Tuple.tuple("p-1", FeedbackKind.THUMBS_UP, "shop"),
            org.assertj.core.groups.Tuple.tuple("p-2", FeedbackKind.CORRECTION, "blog"),
            org.assertj.core.groups.Tuple.tuple("p-3", FeedbackKind.COMMENT, "blog"));
    assertThat(records).noneMatch(r -> r.value().getPredictionId() == null);
  }

  @Test
  @Timeout(120)
  void shouldProduceExamplesKeyedByExampleIdAndRejectLabelsOutsideTheSpec() throws Exception {
    putSpec("intents", "[\"billing\",\"shipping\"]");
    HttpResponse<String> response =
        gateway.post(
            "/v1/models/intents/examples",
            APP,
            "[{\"text\":\"Where is my parcel?\",\"label\":\"shipping\"},"
                + "{\"text\":\"I was charged twice\",\"label\":\"billing\"},"
                + "{\"text\":\"Hello\",\"label\":\"greeting\"}]");
    assertThat(response.statusCode()).isEqualTo(202);
    JsonObject result = TestGateway.json(response);
    assertThat(result.getInteger("accepted")).isEqualTo(2);
    assertThat(result.getJsonArray("results").getJsonObject(2).getString("status"))
        .isEqualTo("rejected");

    List<ConsumerRecord<String, FeedbackReceived>> examples =
        gateway.readAll(gateway.topics.feedback()).stream()
            .filter(r -> r.value().getKind() == FeedbackKind.EXAMPLE)
            .toList();
    assertThat(examples)
        .extracting(ConsumerRecord::key)
        .contains(
            ExampleIds.of("intents", "Where is my parcel?"),
            ExampleIds.of("intents", "I was charged twice"));
    assertThat(examples)
        .allSatisfy(
            r -> {
              assertThat(r.value().getModel()).isEqualTo("intents");
              assertThat(r.value().getApp()).isEqualTo("shop");
            });
  }

  @Test
  @Timeout(180)
  void shouldAnswerEveryBadInputWithItsStatusAndTheErrorShapeAndProduceNothing() throws Exception {
    putSpec("matrix", "[\"a\",\"b\"]");
    long feedbackBefore = gateway.endOffsetSum(gateway.topics.feedback());
    long predictionsBefore = gateway.endOffsetSum(gateway.topics.predictions());

    byte[] invalidUtf8 =
        concat(
            "{\"kind\":\"thumbs_up\",\"prediction_id\":\"p".getBytes(StandardCharsets.UTF_8),
            new byte[] {(byte) 0xC3, (byte) 0x28},
            "\"}".getBytes(StandardCharsets.UTF_8));
    String bigBody = "[" + "{\"kind\":\"thumbs_up\",\"prediction_id\":\"p\"},".repeat(2000) + "]";
    String longText = "x".repeat(2001);
    List<Object[]> cases =
        List.of(
            new Object[] {
              "malformed JSON", "POST", "/v1/feedback", bytes("{\"kind\": "), 400, null
            },
            new Object[] {
              "wrong type",
              "POST",
              "/v1/feedback",
              bytes("{\"kind\":5,\"prediction_id\":\"p\"}"),
              400,
              "kind"
            },
            new Object[] {
              "missing field",
              "POST",
              "/v1/feedback",
              bytes("{\"kind\":\"thumbs_up\"}"),
              400,
              "prediction_id"
            },
            new Object[] {
              "unknown kind",
              "POST",
              "/v1/feedback",
              bytes("{\"kind\":\"meh\",\"prediction_id\":\"p\"}"),
              400,
              "kind"
            },
            new Object[] {
              "unknown field",
              "POST",
              "/v1/feedback",
              bytes("{\"kind\":\"thumbs_up\",\"prediction_id\":\"p\",\"app\":\"evil\"}"),
              400,
              "app"
            },
            new Object[] {
              "correction without label",
              "POST",
              "/v1/feedback",
              bytes("{\"kind\":\"correction\",\"prediction_id\":\"p\"}"),
              400,
              "label"
            },
            new Object[] {"empty batch", "POST", "/v1/feedback", bytes("[]"), 400, null},
            new Object[] {
              "batch of invalid items",
              "POST",
              "/v1/feedback",
              bytes("[{\"kind\":1},{}]"),
              400,
              "[0].kind"
            },
            new Object[] {"not an object", "POST", "/v1/feedback", bytes("\"text\""), 400, null},
            new Object[] {"missing body", "POST", "/v1/feedback", null, 400, null},
            new Object[] {"oversized body", "POST", "/v1/feedback", bytes(bigBody), 413, null},
            new Object[] {
              "oversized text",
              "POST",
              "/v1/models/matrix/examples",
              bytes("{\"text\":\"" + longText + "\",\"label\":\"a\"}"),
              400,
              "text"
            },
            new Object[] {"invalid UTF-8", "POST", "/v1/feedback", invalidUtf8, 400, "body"},
            new Object[] {
              "unknown model (examples)",
              "POST",
              "/v1/models/no-such-model/examples",
              bytes("{\"text\":\"t\",\"label\":\"a\"}"),
              404,
              null
            },
            new Object[] {
              "unknown model (predict)",
              "POST",
              "/v1/models/no-such-model/predict",
              bytes("{\"text\":\"t\"}"),
              404,
              null
            },
            new Object[] {
              "unknown model (read)", "GET", "/v1/models/no-such-model", null, 404, null
            },
            new Object[] {"invalid model name", "GET", "/v1/models/not_a_name", null, 400, "model"},
            new Object[] {"upper-case path", "GET", "/v1/models/Not-A-Name", null, 400, "path"},
            new Object[] {
              "predict with both text and texts",
              "POST",
              "/v1/models/matrix/predict",
              bytes("{\"text\":\"a\",\"texts\":[\"b\"]}"),
              400,
              null
            },
            new Object[] {"unknown route", "GET", "/v1/nothing-here", null, 404, null},
            new Object[] {"wrong method", "DELETE", "/v1/feedback", null, 405, null});
    for (Object[] c : cases) {
      HttpResponse<String> response =
          gateway.send((String) c[1], (String) c[2], APP, (byte[]) c[3]);
      int expected = (Integer) c[4];
      assertThat(response.statusCode()).as("%s: %s", c[0], response.body()).isEqualTo(expected);
      JsonObject error = TestGateway.json(response);
      assertThat(error.getInteger("error_code")).as((String) c[0]).isEqualTo(expected);
      assertThat(error.getString("message")).as((String) c[0]).isNotBlank();
      JsonArray fields = error.getJsonArray("validation_errors");
      assertThat(fields).as((String) c[0]).isNotNull();
      if (c[5] != null) {
        assertThat(fields.stream().map(f -> ((JsonObject) f).getString("field")))
            .as("%s: %s", c[0], response.body())
            .contains((String) c[5]);
      }
    }
    assertThat(gateway.endOffsetSum(gateway.topics.feedback())).isEqualTo(feedbackBefore);
    assertThat(gateway.endOffsetSum(gateway.topics.predictions())).isEqualTo(predictionsBefore);
  }

  @Test
  @Timeout(120)
  @SuppressWarnings("unchecked")
  void shouldAnswer401WithoutAValidKeyAnd403ForAdminRoutesWithAnAppKey() throws Exception {
    Map<String, Object> contract;
    try (var in = getClass().getClassLoader().getResourceAsStream(HttpApi.CONTRACT)) {
      contract = new Yaml().load(in);
    }
    Map<String, Map<String, Object>> paths =
        (Map<String, Map<String, Object>>) contract.get("paths");
    int admin = 0;
    int checked = 0;
    for (Map.Entry<String, Map<String, Object>> path : paths.entrySet()) {
      String concrete = path.getKey().replace("{model}", "intents").replace("{version}", "1");
      for (Map.Entry<String, Object> op : path.getValue().entrySet()) {
        if (op.getKey().equals("parameters")) {
          continue;
        }
        String method = op.getKey().toUpperCase(java.util.Locale.ROOT);
        byte[] body = method.equals("GET") ? null : bytes("{}");
        for (String key : new String[] {null, "not-a-key"}) {
          HttpResponse<String> response = gateway.send(method, concrete, key, body);
          assertThat(response.statusCode())
              .as("%s %s key=%s", method, concrete, key)
              .isEqualTo(401);
          assertThat(TestGateway.json(response).getInteger("error_code")).isEqualTo(401);
        }
        checked++;
        if ("admin".equals(((Map<String, Object>) op.getValue()).get("x-flywheel-role"))) {
          admin++;
          HttpResponse<String> response = gateway.send(method, concrete, APP, body);
          assertThat(response.statusCode())
              .as("%s %s with an app key", method, concrete)
              .isEqualTo(403);
          assertThat(TestGateway.json(response).getInteger("error_code")).isEqualTo(403);
        }
      }
    }
    assertThat(checked).as("operations in the contract").isEqualTo(16);
    assertThat(admin).isEqualTo(4);
  }

  @Test
  @Timeout(180)
  void shouldBuildTheRegistryViewsFromTheTopicsAndServeTheBundle(@TempDir Path dir)
      throws Exception {
    putSpec("views", "[\"a\",\"b\"]");
    byte[] bundle = "not really a zip, but bytes to share".getBytes(StandardCharsets.UTF_8);
    Path file = dir.resolve("views-v1.zip");
    Files.write(file, bundle);
    String sha = sha256(bundle);
    gateway.produce(
        gateway.topics.candidates(), "views", candidate("views", 1, file.toUri().toString(), sha));
    gateway.produce(
        gateway.topics.evaluations(), "views", evaluation("views", 1, Decision.RELEASE));
    gateway.produce(
        gateway.topics.releases(), "views", release("views", 1, file.toUri().toString(), sha));
    gateway.produce(
        gateway.topics.candidates(), "views", candidate("views", 2, file.toUri().toString(), sha));
    gateway.produce(gateway.topics.evaluations(), "views", evaluation("views", 2, Decision.REJECT));

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              JsonObject model = TestGateway.json(gateway.get("/v1/models/views", APP));
              assertThat(model.getJsonObject("champion").getInteger("version")).isEqualTo(1);
              assertThat(
                      model.getJsonArray("versions").stream()
                          .map(v -> ((JsonObject) v).getString("state")))
                  .containsExactly("released", "rejected");
            });
    JsonObject model = TestGateway.json(gateway.get("/v1/models/views", APP));
    assertThat(model.getJsonObject("spec").getJsonArray("labels").stream())
        .containsExactly("a", "b");
    JsonObject manifest = TestGateway.json(gateway.get("/v1/models/views/versions/1", APP));
    assertThat(manifest.getString("sha256")).isEqualTo(sha);
    assertThat(manifest.getJsonObject("snapshot").getString("topic")).isEqualTo("examples");
    assertThat(gateway.get("/v1/models/views/versions/9", APP).statusCode()).isEqualTo(404);
    JsonArray models = TestGateway.json(gateway.get("/v1/models", APP)).getJsonArray("models");
    assertThat(models.stream().map(m -> ((JsonObject) m).getString("name"))).contains("views");

    HttpResponse<String> download = gateway.get("/v1/models/views/versions/1/bundle", APP);
    assertThat(download.statusCode()).isEqualTo(200);
    assertThat(download.body().getBytes(StandardCharsets.UTF_8)).isEqualTo(bundle);
    assertThat(download.headers().firstValue("X-Flywheel-Sha256")).hasValue(sha);
    assertThat(download.headers().firstValue("ETag")).hasValue("\"" + sha + "\"");
    HttpResponse<String> cached =
        gateway
            .http()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        gateway.uri("/v1/models/views/versions/1/bundle"))
                    .header("Authorization", "Bearer " + APP)
                    .header("If-None-Match", "\"" + sha + "\"")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(cached.statusCode()).isEqualTo(304);

    JsonArray releases =
        TestGateway.json(gateway.get("/v1/releases?model=views", APP)).getJsonArray("releases");
    assertThat(releases).hasSize(1);
    assertThat(releases.getJsonObject(0).getString("kind")).isEqualTo("promoted");
  }

  @Test
  @Timeout(120)
  void shouldWriteAdminRequestsToTheirTopics() throws Exception {
    putSpec("admin-ops", "[\"a\",\"b\"]");
    HttpResponse<String> retrain =
        gateway.post(
            "/v1/models/admin-ops/retrain", ADMIN, "{\"from_scratch\":true,\"force\":true}");
    assertThat(retrain.statusCode()).isEqualTo(202);
    String retrainId = TestGateway.json(retrain).getString("request_id");
    assertThat(gateway.post("/v1/models/admin-ops/promote", ADMIN, "{\"version\":3}").statusCode())
        .isEqualTo(404);
    assertThat(gateway.post("/v1/models/admin-ops/rollback", ADMIN, "{}").statusCode())
        .isEqualTo(404);
    gateway.produce(
        gateway.topics.candidates(),
        "admin-ops",
        candidate("admin-ops", 1, "file:/nowhere/b.zip", "ab"));
    gateway.produce(
        gateway.topics.releases(),
        "admin-ops",
        release("admin-ops", 1, "file:/nowhere/b.zip", "ab"));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                gateway.post("/v1/models/admin-ops/promote", ADMIN, "{\"version\":1}").statusCode()
                    == 202);
    assertThat(
            gateway
                .post("/v1/models/admin-ops/rollback", ADMIN, "{\"reason\":\"bad\"}")
                .statusCode())
        .isEqualTo(202);

    List<ConsumerRecord<String, RetrainRequested>> retrains =
        gateway.readAll(gateway.topics.retrainRequests());
    assertThat(retrains)
        .anySatisfy(
            r -> {
              assertThat(r.key()).isEqualTo("admin-ops");
              assertThat(r.value().getRequestId()).isEqualTo(retrainId);
              assertThat(r.value().getReason()).isEqualTo(RetrainReason.MANUAL);
              assertThat(r.value().getFromScratch()).isTrue();
              assertThat(r.value().getForce()).isTrue();
              assertThat(r.value().getRequestedBy()).isEqualTo("ops");
            });
    List<ConsumerRecord<String, ReleaseRequested>> requests =
        gateway.readAll(gateway.topics.releaseRequests());
    assertThat(requests)
        .extracting(r -> r.value().getAction(), r -> r.value().getVersion())
        .contains(
            org.assertj.core.groups.Tuple.tuple(ReleaseAction.PROMOTE, 1),
            org.assertj.core.groups.Tuple.tuple(ReleaseAction.ROLLBACK, null));
    List<ConsumerRecord<String, ModelSpec>> specs = gateway.readAll(gateway.topics.modelSpecs());
    assertThat(specs).anySatisfy(r -> assertThat(r.value().getUpdatedBy()).isEqualTo("ops"));
  }

  @Test
  @Timeout(180)
  void shouldDeliverEveryReleaseExactlyOnceAcrossAReconnectWithLastEventId() throws Exception {
    List<String> sent = new ArrayList<>();
    String lastId;
    try (SseClient first =
        new SseClient(gateway.http(), gateway.uri("/v1/releases/stream?model=sse"), APP, null)) {
      assertThat(first.status).isEqualTo(200);
      SseClient.Event ready = first.next(Duration.ofSeconds(30));
      assertThat(ready.type()).isEqualTo("ready");
      lastId = ready.id();
      for (int v = 1; v <= 2; v++) {
        sent.add(publishRelease("sse", v));
      }
      List<String> received = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        SseClient.Event event = first.next(Duration.ofSeconds(30));
        assertThat(event).isNotNull();
        assertThat(event.type()).isEqualTo("release");
        received.add(new JsonObject(event.data()).getString("release_id"));
        lastId = event.id();
      }
      assertThat(received).containsExactlyElementsOf(sent);
    }
    // Releases while the client is away, and one for another model it does not follow.
    sent.add(publishRelease("sse", 3));
    publishRelease("sse-other", 1);
    sent.add(publishRelease("sse", 4));
    List<String> afterReconnect = new ArrayList<>();
    try (SseClient second =
        new SseClient(gateway.http(), gateway.uri("/v1/releases/stream?model=sse"), APP, lastId)) {
      assertThat(second.next(Duration.ofSeconds(30)).type()).isEqualTo("ready");
      sent.add(publishRelease("sse", 5));
      for (int i = 0; i < 3; i++) {
        SseClient.Event event = second.next(Duration.ofSeconds(30));
        assertThat(event).isNotNull();
        afterReconnect.add(new JsonObject(event.data()).getString("release_id"));
      }
      assertThat(second.next(Duration.ofSeconds(2))).isNull();
    }
    assertThat(afterReconnect).containsExactlyElementsOf(sent.subList(2, 5));
  }

  @Test
  @Timeout(120)
  void shouldExposeReadinessAndRequestMetricsOnTheManagementPort() throws Exception {
    gateway.post("/v1/feedback", APP, "{\"kind\":\"thumbs_down\",\"prediction_id\":\"p-m\"}");
    HttpResponse<String> ready = gateway.management("/health/ready");
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    assertThat(ready.body()).contains("kafka", "topics", "http");
    HttpResponse<String> metrics = gateway.management("/metrics");
    assertThat(metrics.body())
        .contains("flywheel_ingest_request_duration_seconds_bucket")
        .contains("route=\"postFeedback\"")
        .contains("flywheel_ingest_feedback_total{kind=\"thumbs_down\"}")
        .contains("flywheel_ingest_producer_in_flight_records")
        .contains("flywheel_ingest_producer_ack_duration_seconds");
  }

  @Test
  @Timeout(120)
  void shouldAnswer429WithRetryAfterWhenAnAppExceedsItsRate(EmbeddedInfra infra) throws Exception {
    try (TestGateway limited =
        TestGateway.start(
            infra.bootstrapServers(),
            infra.registryUrl(),
            infra.newTopicPrefix() + "rate",
            Map.of("ingest.rate.limit.per.second", "0.5", "ingest.rate.limit.burst", "2"))) {
      assertThat(limited.get("/v1/releases", APP).statusCode()).isEqualTo(200);
      assertThat(limited.get("/v1/releases", APP).statusCode()).isEqualTo(200);
      HttpResponse<String> limitedResponse = limited.get("/v1/releases", APP);
      assertThat(limitedResponse.statusCode()).isEqualTo(429);
      assertThat(limitedResponse.headers().firstValue("Retry-After")).hasValue("2");
      assertThat(TestGateway.json(limitedResponse).getInteger("error_code")).isEqualTo(429);
      // Another app has its own bucket.
      assertThat(limited.get("/v1/releases", TestGateway.OTHER_APP_KEY).statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  @Timeout(60)
  void shouldRefuseASpecWhoseBaseModelDirectoryIsNotAUsableBert(@TempDir Path dir)
      throws Exception {
    long specsBefore = gateway.endOffsetSum(gateway.topics.modelSpecs());
    Path gpt2 = Files.createDirectories(dir.resolve("gpt2"));
    Files.writeString(gpt2.resolve("config.json"), "{\"model_type\": \"gpt2\"}");
    Map<String, String> cases =
        Map.of(
            dir.resolve("absent").toUri().toString(), "has no config.json",
            gpt2.toUri().toString(), "model_type is 'gpt2'");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      HttpResponse<String> response =
          gateway.put(
              "/v1/models/user-bert",
              ADMIN,
              "{\"labels\":[\"a\",\"b\"],\"architecture\":\"encoder\",\"base_model\":\""
                  + c.getKey()
                  + "\"}");
      assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
      JsonObject error = TestGateway.json(response);
      assertThat(error.getJsonArray("validation_errors").getJsonObject(0).getString("field"))
          .isEqualTo("base_model");
      assertThat(error.getJsonArray("validation_errors").getJsonObject(0).getString("message"))
          .contains(c.getValue());
    }
    assertThat(gateway.endOffsetSum(gateway.topics.modelSpecs())).isEqualTo(specsBefore);
  }

  private void putSpec(String model, String labels) throws Exception {
    HttpResponse<String> response =
        gateway.put(
            "/v1/models/" + model,
            ADMIN,
            "{\"labels\":"
                + labels
                + ",\"architecture\":\"bag\",\"hyperparameters\":{\"epochs\":2},"
                + "\"trigger\":{\"min_new_examples\":50},\"gate\":{\"min_accuracy\":0.5}}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    assertThat(TestGateway.json(response).getJsonObject("trigger").getInteger("min_new_examples"))
        .isEqualTo(50);
  }

  private String publishRelease(String model, int version) throws Exception {
    ModelReleased release = release(model, version, "file:/nowhere/" + model + ".zip", "00");
    gateway.produce(gateway.topics.releases(), model, release);
    return release.getReleaseId();
  }

  static ModelCandidate candidate(String model, int version, String uri, String sha) {
    return ModelCandidate.newBuilder()
        .setModel(Events.ref(model, version))
        .setRequestId(UUID.randomUUID().toString())
        .setArtifactUri(uri)
        .setSha256(sha)
        .setSizeBytes(10)
        .setArchitecture("bag")
        .setLabels(List.of("a", "b"))
        .setSnapshot(
            DatasetSnapshot.newBuilder()
                .setTopic("examples")
                .setRanges(List.of())
                .setTakenAt(Instant.now())
                .build())
        .setWorker("test")
        .setDurationMillis(5)
        .setTimestamp(Instant.now())
        .build();
  }

  static EvaluationCompleted evaluation(String model, int version, Decision decision) {
    return EvaluationCompleted.newBuilder()
        .setEvaluationId(UUID.randomUUID().toString())
        .setCandidate(Events.ref(model, version))
        .setCandidateMetrics(
            ModelMetrics.newBuilder().setExamples(10).setAccuracy(0.8).setMacroF1(0.7).build())
        .setChecks(List.of())
        .setDecision(decision)
        .setTimestamp(Instant.now())
        .build();
  }

  static ModelReleased release(String model, int version, String uri, String sha) {
    return ModelReleased.newBuilder()
        .setReleaseId(UUID.randomUUID().toString())
        .setModel(Events.ref(model, version))
        .setKind(ReleaseKind.PROMOTED)
        .setArtifactUri(uri)
        .setSha256(sha)
        .setTimestamp(Instant.now())
        .build();
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    byte[] out = new byte[length];
    int at = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, out, at, part.length);
      at += part.length;
    }
    return out;
  }
}
