package dev.flywheel.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboards load as Grafana provisions them, every panel queries Prometheus through
 * the datasource variable with PromQL whose names can be read, and together they show the loop, the
 * gateway, the JVMs and the Kafka clients.
 */
class DashboardsTest {
  private static final Map<String, List<String>> REQUIRED =
      Map.of(
          "flywheel-loop.json",
          List.of(
              "flywheel_ingest_feedback_total",
              "flywheel_feedback_examples_total",
              "flywheel_feedback_retrain_requests_total",
              "flywheel_trainer_examples_per_second",
              "flywheel_trainer_last_loss",
              "flywheel_trainer_run_duration_seconds_bucket",
              "flywheel_evaluator_evaluations_total",
              "flywheel_evaluator_checks_total",
              "flywheel_evaluator_releases_total",
              "flywheel_evaluator_champion_version",
              "flywheel_ingest_predictions_total",
              "flywheel_feedback_live_accuracy_ratio",
              "flywheel_feedback_dead_letters_total"),
          "flywheel-gateway.json",
          List.of(
              "flywheel_ingest_request_duration_seconds_count",
              "flywheel_ingest_request_duration_seconds_bucket",
              "flywheel_ingest_model_swaps_total"),
          "flywheel-jvm-kafka.json",
          List.of(
              "jvm_memory_used_bytes",
              "jvm_gc_pause_seconds_sum",
              "kafka_producer_record_send_rate",
              "kafka_consumer_fetch_manager_records_lag_max"));

  private static List<Path> files;

  @BeforeAll
  static void list() throws IOException {
    try (Stream<Path> stream = Files.list(InfraFiles.infra().resolve("grafana/dashboards"))) {
      files = stream.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    }
  }

  @Test
  void theThreeDashboardsExistWithUniqueUids() {
    Set<String> uids = new HashSet<>();
    assertThat(files.stream().map(f -> f.getFileName().toString()))
        .containsExactlyInAnyOrderElementsOf(REQUIRED.keySet());
    for (Path file : files) {
      JsonNode dashboard = InfraFiles.json(file);
      assertThat(uids.add(dashboard.path("uid").asText())).as("unique uid " + file).isTrue();
      assertThat(dashboard.path("title").asText()).startsWith("Flywheel");
      assertThat(dashboard.path("schemaVersion").asInt()).isPositive();
      assertThat(dashboard.at("/templating/list").findValuesAsText("name")).contains("datasource");
    }
  }

  @Test
  void everyPanelQueriesPrometheusThroughTheDatasourceVariable() {
    for (Path file : files) {
      for (JsonNode panel : panels(InfraFiles.json(file))) {
        String where = file.getFileName() + " panel " + panel.path("title").asText();
        assertThat(panel.path("targets").size()).as(where).isPositive();
        assertThat(panel.at("/datasource/uid").asText()).as(where).isEqualTo("${datasource}");
        for (JsonNode target : panel.path("targets")) {
          assertThat(target.at("/datasource/uid").asText()).as(where).isEqualTo("${datasource}");
          assertThat(PromQl.metricNames(target.path("expr").asText())).as(where).isNotEmpty();
        }
      }
    }
  }

  @Test
  void panelsHaveUniqueIdsAndFitTheGrid() {
    for (Path file : files) {
      Set<Integer> ids = new HashSet<>();
      List<int[]> boxes = new ArrayList<>();
      for (JsonNode panel : allPanels(InfraFiles.json(file))) {
        assertThat(ids.add(panel.path("id").asInt())).as(file + " panel id").isTrue();
        JsonNode grid = panel.path("gridPos");
        int x = grid.path("x").asInt();
        int y = grid.path("y").asInt();
        int w = grid.path("w").asInt();
        int h = grid.path("h").asInt();
        assertThat(x + w).as(file + " " + panel.path("title").asText()).isLessThanOrEqualTo(24);
        for (int[] other : boxes) {
          boolean overlap =
              x < other[0] + other[2]
                  && other[0] < x + w
                  && y < other[1] + other[3]
                  && other[1] < y + h;
          assertThat(overlap).as(file + " " + panel.path("title").asText() + " overlaps").isFalse();
        }
        boxes.add(new int[] {x, y, w, h});
      }
    }
  }

  @Test
  void dashboardsShowTheLoopTheGatewayAndTheClients() {
    for (Path file : files) {
      Set<String> queried = new TreeSet<>();
      for (JsonNode panel : panels(InfraFiles.json(file))) {
        panel
            .path("targets")
            .forEach(t -> queried.addAll(PromQl.metricNames(t.path("expr").asText())));
      }
      assertThat(queried)
          .as(file.getFileName().toString())
          .containsAll(REQUIRED.get(file.getFileName().toString()));
    }
  }

  /** Panels that query (rows and their nested panels included, rows themselves not). */
  private static List<JsonNode> panels(JsonNode dashboard) {
    return allPanels(dashboard).stream()
        .filter(p -> !"row".equals(p.path("type").asText()))
        .toList();
  }

  private static List<JsonNode> allPanels(JsonNode dashboard) {
    List<JsonNode> all = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      all.add(panel);
      panel.path("panels").forEach(all::add);
    }
    return all;
  }
}
