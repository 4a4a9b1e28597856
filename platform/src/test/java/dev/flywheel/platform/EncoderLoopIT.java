package dev.flywheel.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.data.WordNetTopics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loop with a pretrained base model: a spec with {@code architecture: encoder} is trained by
 * the trainer (a {@code head} fine-tune of minilm-l6), gated by the evaluator and served by the
 * gateway; the next version starts from its parent's head; the model card names the base model.
 */
class EncoderLoopIT {
  private static final String MODEL = "encoder-topics";

  @TempDir Path dataDir;

  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES)
  void encoderSpecIsTrainedGatedServedAndWarmStartedFromItsParent() throws Exception {
    List<Example> dataset = new ArrayList<>(WordNetTopics.load(WordNetTopics.Variant.TOPICS_8));
    Collections.shuffle(dataset, new Random(5));
    List<String> labels = WordNetTopics.labels(WordNetTopics.Variant.TOPICS_8);
    try (Platform platform = Platform.start(PlatformSettings.forDemo(dataDir))) {
      ApiClient admin = new ApiClient(platform.apiUrl(), platform.adminKey());
      ApiClient app = new ApiClient(platform.apiUrl(), platform.appKey());

      ApiClient.Answer unknown = admin.put("/v1/models/" + MODEL, spec(labels, "gpt-9"));
      assertThat(unknown.status()).isEqualTo(400);
      assertThat(unknown.body().toString()).contains("base_model").contains("gpt-9");

      ApiClient.Answer created = admin.put("/v1/models/" + MODEL, spec(labels, "minilm-l6"));
      assertThat(created.status()).as(created.describe()).isEqualTo(202);
      assertThat(created.body().path("base_model").asText()).isEqualTo("minilm-l6");
      upload(app, dataset.subList(0, 400));

      JsonNode champion = awaitChampion(app, 1);
      JsonNode first = app.get("/v1/models/" + MODEL + "/versions/1").body();
      assertThat(first.path("architecture").asText()).isEqualTo("encoder");
      assertThat(first.path("hyperparameters").path("fineTune").asText()).isEqualTo("head");
      assertThat(first.path("base_model").path("name").asText()).isEqualTo("minilm-l6");
      String baseSha256 = first.path("base_model").path("sha256").asText();
      assertThat(baseSha256).matches("[0-9a-f]{64}");
      assertThat(champion.path("version").asInt()).isEqualTo(1);

      await()
          .atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(
              () -> {
                ApiClient.Answer answer =
                    app.post(
                        "/v1/models/" + MODEL + "/predict",
                        Map.of("text", dataset.get(1500).text()));
                assertThat(answer.status()).as(answer.describe()).isEqualTo(200);
                assertThat(answer.body().path("version").asInt()).isEqualTo(1);
                assertThat(labels)
                    .contains(answer.body().path("predictions").path(0).path("label").asText());
              });
      JsonNode listed = app.get("/v1/base-models").body().path("base_models");
      assertThat(listed.get(0).path("name").asText()).isEqualTo("minilm-l6");
      assertThat(listed.get(0).path("sha256").asText()).isEqualTo(baseSha256);

      upload(app, dataset.subList(400, 700));
      await()
          .atMost(Duration.ofMinutes(4))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> app.get("/v1/models/" + MODEL + "/versions/2").status() == 200);
      JsonNode second = app.get("/v1/models/" + MODEL + "/versions/2").body();
      assertThat(second.path("parent_version").asInt()).isEqualTo(1);
      assertThat(second.path("base_model").path("sha256").asText()).isEqualTo(baseSha256);
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () ->
                  !app.get("/v1/models/" + MODEL + "/versions/2")
                      .body()
                      .path("evaluation")
                      .isMissingNode());
    }
  }

  private static Map<String, Object> spec(List<String> labels, String baseModel) {
    return Map.of(
        "labels",
        labels,
        "architecture",
        "encoder",
        "base_model",
        baseModel,
        "fine_tune",
        "head",
        "hyperparameters",
        Map.of("epochs", 30),
        "holdout_share",
        0.2,
        "trigger",
        Map.of("min_new_examples", 200, "cooldown_millis", 1000),
        "gate",
        Map.of(
            "min_accuracy", 0.5,
            "require_significance", false,
            "max_accuracy_regression", 0.1,
            "max_label_recall_regression", 0.5,
            "rollback_enabled", false));
  }

  private static void upload(ApiClient app, List<Example> examples) throws Exception {
    for (int from = 0; from < examples.size(); from += 100) {
      List<Map<String, String>> batch = new ArrayList<>();
      for (Example e : examples.subList(from, Math.min(examples.size(), from + 100))) {
        batch.add(Map.of("text", e.text(), "label", e.label()));
      }
      ApiClient.Answer answer = app.post("/v1/models/" + MODEL + "/examples", batch);
      assertThat(answer.status()).as(answer.describe()).isEqualTo(202);
    }
  }

  private static JsonNode awaitChampion(ApiClient app, int version) {
    JsonNode[] champion = new JsonNode[1];
    await()
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              JsonNode c = app.get("/v1/models/" + MODEL).body().path("champion");
              champion[0] = c;
              return c.path("version").asInt() >= version;
            });
    return champion[0];
  }
}
