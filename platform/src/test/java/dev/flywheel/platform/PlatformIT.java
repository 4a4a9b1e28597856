package dev.flywheel.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.events.EvaluationCompleted;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.infra.Exposition;
import dev.flywheel.infra.MonitoringQueries;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.data.WordNetTopics;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop end to end, as a smaller demo: the platform on the embedded broker, a simulated
 * app sending a seed set, predictions and feedback over HTTP, and the releases that follow — then a
 * restart of the platform on the same data directory.
 */
class PlatformIT {
  private static final String MODEL = "e2e-topics";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;

  private final Map<Integer, ModelCandidate> candidates = new ConcurrentHashMap<>();
  private final Map<Integer, EvaluationCompleted> evaluations = new ConcurrentHashMap<>();
  private final List<ModelReleased> kafkaReleases = new CopyOnWriteArrayList<>();
  private final List<JsonNode> sseReleases = new CopyOnWriteArrayList<>();

  @Test
  @Timeout(value = 12, unit = TimeUnit.MINUTES)
  void shouldImproveTheModelReleaseAfterReleaseAndKeepTheChampionAcrossARestart() throws Exception {
    PlatformSettings settings = PlatformSettings.forDemo(dataDir);
    int champion;
    try (Platform platform = Platform.start(settings)) {
      ApiClient admin = new ApiClient(platform.apiUrl(), platform.adminKey());
      Thread sse = followReleaseStream(platform);
      try (LoopWatcher watcher =
          new LoopWatcher(
              platform.bootstrapServers(), platform.registryUrl(), platform.topics(), recorder())) {
        watcher.start();
        AppSimulator app = simulator(platform, admin);
        app.setUp();
        Thread appThread = new Thread(app, "e2e-app");
        appThread.start();
        try {
          await()
              .atMost(Duration.ofMinutes(8))
              .pollInterval(Duration.ofSeconds(1))
              .until(() -> kafkaReleases.size() >= 2);
        } finally {
          app.stop();
          appThread.join(10_000);
        }
        assertReleasesImproved();
        assertEveryBundleDownloadsWithItsSha256(admin);
        assertEveryMonitoredMetricIsExported(platform);
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> assertThat(versions(sseReleases)).containsExactlyElementsOf(kafkaVersions()));
      } finally {
        sse.interrupt();
      }
      champion = kafkaReleases.get(kafkaReleases.size() - 1).getModel().getVersion();
    }

    try (Platform restarted = Platform.start(settings)) {
      ApiClient app = new ApiClient(restarted.apiUrl(), restarted.appKey());
      JsonNode model = app.get("/v1/models/" + MODEL).body();
      assertThat(model.path("champion").path("version").asInt()).isEqualTo(champion);
      await()
          .atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(
              () -> {
                ApiClient.Answer answer =
                    app.post(
                        "/v1/models/" + MODEL + "/predict",
                        Map.of("text", "a small domesticated carnivore kept as a pet"));
                assertThat(answer.status()).isEqualTo(200);
                assertThat(answer.body().path("version").asInt()).isEqualTo(champion);
              });
    }
  }

  private AppSimulator simulator(Platform platform, ApiClient admin) {
    List<Example> dataset = WordNetTopics.load(WordNetTopics.Variant.TOPICS_8);
    List<String> labels = WordNetTopics.labels(WordNetTopics.Variant.TOPICS_8);
    Map<String, Object> spec =
        Map.of(
            "labels",
            labels,
            "architecture",
            "bag",
            "hyperparameters",
            Map.of("bigramBuckets", 4096, "epochs", 8),
            "holdout_share",
            0.2,
            "trigger",
            Map.of("min_new_examples", 250, "cooldown_millis", 5000),
            "gate",
            Map.of(
                "min_accuracy", 0.3,
                "require_significance", false,
                "max_accuracy_regression", 0.0,
                "max_label_recall_regression", 0.3,
                "rollback_enabled", false));
    return new AppSimulator(
        new ApiClient(platform.apiUrl(), platform.appKey()),
        admin,
        MODEL,
        spec,
        dataset,
        labels,
        new AppSimulator.Behaviour(30, 0.7, 0.0, 11, 400));
  }

  private LoopWatcher.Listener recorder() {
    return new LoopWatcher.Listener() {
      @Override
      public void candidate(ModelCandidate event) {
        candidates.put(event.getModel().getVersion(), event);
      }

      @Override
      public void evaluated(EvaluationCompleted event) {
        evaluations.put(event.getCandidate().getVersion(), event);
      }

      @Override
      public void released(ModelReleased event) {
        kafkaReleases.add(event);
      }
    };
  }

  private void assertReleasesImproved() {
    ModelReleased first = kafkaReleases.get(0);
    ModelReleased second = kafkaReleases.get(1);
    ModelCandidate firstCandidate = candidates.get(first.getModel().getVersion());
    ModelCandidate secondCandidate = candidates.get(second.getModel().getVersion());
    assertThat(secondCandidate.getSnapshot().getTrainExamples())
        .isGreaterThan(firstCandidate.getSnapshot().getTrainExamples());
    EvaluationCompleted secondEvaluation = evaluations.get(second.getModel().getVersion());
    assertThat(secondEvaluation.getChampion().getVersion())
        .isEqualTo(first.getModel().getVersion());
    // Both evaluated on the same holdout examples: the newer one is not worse.
    assertThat(secondEvaluation.getCandidateMetrics().getAccuracy())
        .isGreaterThanOrEqualTo(secondEvaluation.getChampionMetrics().getAccuracy());
  }

  private void assertEveryBundleDownloadsWithItsSha256(ApiClient admin) throws Exception {
    for (ModelReleased release : kafkaReleases) {
      ApiClient.Download bundle =
          admin.download(
              "/v1/models/" + MODEL + "/versions/" + release.getModel().getVersion() + "/bundle");
      assertThat(bundle.status()).isEqualTo(200);
      assertThat(PlatformSettings.sha256(bundle.bytes())).isEqualTo(release.getSha256());
      assertThat(bundle.header("X-Flywheel-Sha256")).contains(release.getSha256());
    }
  }

  /**
   * Every metric name that a Grafana panel or a Prometheus alert queries must be exported by the
   * running services (one registry per process, so the four scrapes are checked together).
   */
  private static void assertEveryMonitoredMetricIsExported(Platform platform) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    Set<String> exported = new HashSet<>();
    for (int port : platform.managementPorts()) {
      HttpResponse<String> scrape =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(scrape.statusCode()).isEqualTo(200);
      exported.addAll(Exposition.sampleNames(scrape.body()));
    }
    MonitoringQueries queries = MonitoringQueries.load(Path.of("..", "infra"));
    assertThat(queries.queries()).isNotEmpty();
    assertThat(queries.unknownNames(exported)).isEmpty();
  }

  private List<Integer> kafkaVersions() {
    return kafkaReleases.stream().map(release -> release.getModel().getVersion()).toList();
  }

  private static List<Integer> versions(List<JsonNode> releases) {
    return releases.stream().map(release -> release.path("version").asInt()).toList();
  }

  /** Reads the SSE release stream from the beginning, as an app without Kafka would. */
  private Thread followReleaseStream(Platform platform) {
    Thread thread =
        new Thread(
            () -> {
              HttpClient http = HttpClient.newHttpClient();
              HttpRequest request =
                  HttpRequest.newBuilder(
                          URI.create(
                              platform.apiUrl()
                                  + "/v1/releases/stream?from=beginning&model="
                                  + MODEL))
                      .header("Authorization", "Bearer " + platform.appKey())
                      .header("Accept", "text/event-stream")
                      .build();
              try {
                HttpResponse<InputStream> response =
                    http.send(request, HttpResponse.BodyHandlers.ofInputStream());
                try (BufferedReader lines =
                    new BufferedReader(
                        new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                  String event = null;
                  for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith("event:")) {
                      event = line.substring("event:".length()).trim();
                    } else if (line.startsWith("data:") && "release".equals(event)) {
                      sseReleases.add(JSON.readTree(line.substring("data:".length()).trim()));
                    } else if (line.isEmpty()) {
                      event = null;
                    }
                  }
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (java.io.IOException e) {
                // The platform closed the stream at the end of the test.
              }
            },
            "e2e-sse");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }
}
