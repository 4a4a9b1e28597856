package dev.flywheel.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.PredictionLogged;
import dev.flywheel.events.ReleaseKind;
import dev.flywheel.schemas.Events;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.Hyperparameters;
import dev.flywheel.slm.TextClassifierTrainer;
import dev.flywheel.slm.TrainingRequest;
import dev.flywheel.slm.data.WordNetTopics;
import dev.flywheel.slm.store.FileArtifactStore;
import dev.flywheel.slm.store.StoredArtifact;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving with real models: tiny text classifiers trained with slm on real WordNet examples are
 * released through the releases topic, and the gateway swaps them under load.
 */
@ExtendWith(EmbeddedInfraExtension.class)
class ModelServingIT {
  private static final String MODEL = "topics";
  private static final String APP = TestGateway.APP_KEY;

  @Test
  @Timeout(400)
  void shouldServeEachReleaseSwapUnderLoadWithoutFailuresAndRefuseAWrongChecksum(
      EmbeddedInfra infra, @TempDir Path artifacts) throws Exception {
    List<Example> examples = sample(400);
    FileArtifactStore store = new FileArtifactStore(artifacts);
    StoredArtifact v1 = train(store, examples, "1", 1);
    StoredArtifact v2 = train(store, examples, "2", 2);

    String prefix = infra.newTopicPrefix() + "serve";
    Map<String, String> settings = Map.of("artifacts.uri", artifacts.toUri().toString());
    try (TestGateway gateway =
        TestGateway.start(infra.bootstrapServers(), infra.registryUrl(), prefix, settings)) {
      assertThat(predict(gateway, "a dog").statusCode()).isEqualTo(404);
      HttpResponse<String> spec =
          gateway.put(
              "/v1/models/" + MODEL,
              TestGateway.ADMIN_KEY,
              "{\"labels\":"
                  + new JsonArray(WordNetTopics.labels(WordNetTopics.Variant.TOPICS_8))
                  + "}");
      assertThat(spec.statusCode()).isEqualTo(202);
      HttpResponse<String> beforeRelease = predict(gateway, "a dog");
      assertThat(beforeRelease.statusCode()).isEqualTo(503);
      assertThat(beforeRelease.headers().firstValue("Retry-After")).isPresent();
      assertThat(TestGateway.json(beforeRelease).getString("message"))
          .contains("no released version");

      release(gateway, v1, 1, v1.sha256());
      await().atMost(Duration.ofSeconds(60)).until(() -> servedVersion(gateway) == 1);
      HttpResponse<String> first = predict(gateway, "a large carnivorous feline");
      JsonObject answer = TestGateway.json(first);
      assertThat(answer.getJsonArray("predictions").getJsonObject(0).getJsonObject("scores").size())
          .isEqualTo(8);
      String predictionId =
          answer.getJsonArray("predictions").getJsonObject(0).getString("prediction_id");
      List<ConsumerRecord<String, PredictionLogged>> logged =
          gateway.readAll(gateway.topics.predictions());
      assertThat(logged)
          .anySatisfy(
              r -> {
                assertThat(r.key()).isEqualTo(predictionId);
                assertThat(r.value().getModel()).isEqualTo(Events.ref(MODEL, 1));
                assertThat(r.value().getApp()).isEqualTo("shop");
                assertThat(r.value().getInput()).isEqualTo("a large carnivorous feline");
                assertThat(r.value().getScores()).hasSize(8);
              });
      HttpResponse<String> batch =
          gateway.post(
              "/v1/models/" + MODEL + "/predict",
              APP,
              "{\"texts\":[\"an apple\",\"a hammer\",\"a city\"]}");
      assertThat(batch.statusCode()).isEqualTo(200);
      assertThat(TestGateway.json(batch).getJsonArray("predictions")).hasSize(3);

      // Load from four clients while v2 is released: every request must succeed.
      AtomicBoolean stop = new AtomicBoolean();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      List<List<Integer>> versionsPerClient = new CopyOnWriteArrayList<>();
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < 4; c++) {
        List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
        versionsPerClient.add(seen);
        Thread client =
            new Thread(
                () -> {
                  while (!stop.get()) {
                    try {
                      HttpResponse<String> response = predict(gateway, "a small furry animal");
                      if (response.statusCode() != 200) {
                        failures.add(response.statusCode() + " " + response.body());
                      } else {
                        seen.add(TestGateway.json(response).getInteger("version"));
                      }
                    } catch (Exception e) {
                      failures.add(e.toString());
                    }
                  }
                },
                "load-" + c);
        clients.add(client);
        client.start();
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> versionsPerClient.stream().allMatch(l -> l.size() >= 3));
      release(gateway, v2, 2, v2.sha256());
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  versionsPerClient.stream()
                      .allMatch(
                          l ->
                              l.size() >= 3
                                  && l.get(l.size() - 1) == 2
                                  && l.get(l.size() - 2) == 2));
      stop.set(true);
      for (Thread client : clients) {
        client.join(30_000);
      }
      assertThat(failures).isEmpty();
      for (List<Integer> seen : versionsPerClient) {
        assertThat(seen).contains(1, 2);
        // Once a client saw v2 it never sees v1 again: the switch is atomic.
        assertThat(seen.subList(seen.indexOf(2), seen.size())).containsOnly(2);
      }

      // A second gateway started now is ready only once it serves the released champion:
      // predict answers at once, never a 503 while the bundle still loads.
      try (TestGateway restarted =
          TestGateway.start(infra.bootstrapServers(), infra.registryUrl(), prefix, settings)) {
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(20))
            .until(() -> restarted.management("/health/ready").statusCode() == 200);
        assertThat(servedVersion(restarted)).isEqualTo(2);
      }

      // A release whose bundle does not match its sha256 is refused; v2 keeps serving.
      release(gateway, v1, 3, v2.sha256());
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  gateway
                      .management("/metrics")
                      .body()
                      .lines()
                      .anyMatch(
                          l ->
                              l.startsWith("flywheel_ingest_model_swaps_total")
                                  && l.contains("outcome=\"checksum_mismatch\"")));
      assertThat(servedVersion(gateway)).isEqualTo(2);
      String metrics = gateway.management("/metrics").body();
      assertThat(metrics)
          .contains("flywheel_ingest_predictions_total{model=\"topics\",version=\"2\"}")
          .contains("flywheel_ingest_model_swap_duration_seconds_count");
    }
  }

  private static HttpResponse<String> predict(TestGateway gateway, String text) throws Exception {
    return gateway.post(
        "/v1/models/" + MODEL + "/predict", APP, new JsonObject().put("text", text).encode());
  }

  private static int servedVersion(TestGateway gateway) throws Exception {
    HttpResponse<String> response = predict(gateway, "a dog");
    return response.statusCode() == 200 ? TestGateway.json(response).getInteger("version") : -1;
  }

  private static void release(TestGateway gateway, StoredArtifact artifact, int version, String sha)
      throws Exception {
    ModelReleased release =
        ModelReleased.newBuilder()
            .setReleaseId(UUID.randomUUID().toString())
            .setModel(Events.ref(MODEL, version))
            .setKind(ReleaseKind.PROMOTED)
            .setArtifactUri(artifact.uri().toString())
            .setSha256(sha)
            .setSizeBytes(artifact.sizeBytes())
            .setLabels(WordNetTopics.labels(WordNetTopics.Variant.TOPICS_8))
            .setTimestamp(Instant.now())
            .build();
    gateway.produce(gateway.topics.releases(), MODEL, release);
  }

  /** A few hundred real WordNet examples, a fixed share of each label. */
  private static List<Example> sample(int count) {
    List<Example> all = new ArrayList<>(WordNetTopics.load(WordNetTopics.Variant.TOPICS_8));
    Collections.shuffle(all, new Random(11));
    Map<String, Integer> perLabel = new HashMap<>();
    int quota = count / 8;
    List<Example> out = new ArrayList<>();
    for (Example e : all) {
      if (perLabel.merge(e.label(), 1, Integer::sum) <= quota) {
        out.add(e);
      }
    }
    return out;
  }

  private static StoredArtifact train(
      FileArtifactStore store, List<Example> examples, String version, int epochs) {
    Hyperparameters h =
        Hyperparameters.defaults(dev.flywheel.slm.Architecture.BAG)
            .withValues(
                Map.of(
                    "epochs", Integer.toString(epochs),
                    "batchSize", "32",
                    "embeddingDim", "16",
                    "validationShare", "0.1",
                    "patience", "0"));
    byte[] bundle =
        TextClassifierTrainer.train(
                TrainingRequest.builder()
                    .setExamples(examples)
                    .setModelName(MODEL)
                    .setVersion(version)
                    .optHyperparameters(h)
                    .optLabels(WordNetTopics.labels(WordNetTopics.Variant.TOPICS_8))
                    .build())
            .bundle()
            .toByteArray();
    return store.put(MODEL, version, bundle);
  }
}
