package dev.flywheel.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MonitoringQueriesTest {
  private static final String SCRAPE =
      """
      # HELP requests_total Requests
      # TYPE requests_total counter
      requests_total{service="a"} 3.0
      errors_total 1
      # TYPE latency_seconds histogram
      latency_seconds_bucket{le="0.1"} 1
      latency_seconds_bucket{le="+Inf"} 2
      latency_seconds_count 2
      latency_seconds_sum 0.3
      {"dotted.name",a="b"} 1
      """;

  @Test
  void sampleNamesAreWhatQueriesSelect() {
    assertThat(Exposition.sampleNames(SCRAPE))
        .containsExactlyInAnyOrder(
            "requests_total",
            "errors_total",
            "latency_seconds_bucket",
            "latency_seconds_count",
            "latency_seconds_sum",
            "dotted.name");
  }

  @Test
  void readsRulesPanelsNestedPanelsAndVariables() throws URISyntaxException {
    MonitoringQueries queries = MonitoringQueries.load(fixture());

    assertThat(queries.metricNames().keySet())
        .containsExactlyInAnyOrder(
            "requests_total",
            "fixture:requests:rate5m",
            "errors_total",
            "latency_seconds_bucket",
            "up",
            "gpu_bytes",
            "models_info");
    assertThat(queries.recordedNames()).containsExactly("fixture:requests:rate5m");
    assertThat(queries.metricNames().get("latency_seconds_bucket"))
        .containsExactly("grafana/dashboards/fixture.json panel \"Nested\"");
    assertThat(queries.metricNames().get("models_info"))
        .containsExactly("grafana/dashboards/fixture.json variable \"model\"");
  }

  @Test
  void namesMissingFromTheScrapeAreReportedWithWhereTheyAreQueried() throws URISyntaxException {
    MonitoringQueries queries = MonitoringQueries.load(fixture());

    assertThat(queries.unknownNames(Exposition.sampleNames(SCRAPE)))
        .containsExactly(
            "gpu_bytes (queried by grafana/dashboards/fixture.json panel \"Up\")",
            "models_info (queried by grafana/dashboards/fixture.json variable \"model\")");
    assertThat(
            queries.unknownNames(
                Set.of(
                    "requests_total",
                    "errors_total",
                    "latency_seconds_bucket",
                    "gpu_bytes",
                    "models_info")))
        .as("recorded names and Prometheus' own series need no exporter")
        .isEmpty();
  }

  @Test
  void aSelectorThatNamesAServiceMustFindItsMetricInThatServicesScrape() {
    MonitoringQueries queries = MonitoringQueries.load(InfraFiles.infra());
    Map<String, Set<String>> scrapes = new HashMap<>();
    Set<String> everything = new HashSet<>(queries.metricNames().keySet());
    for (String service : List.of("ingest", "feedback", "trainer", "evaluator")) {
      scrapes.put(service, new HashSet<>(everything));
    }
    assertThat(queries.unknownNames(scrapes)).isEmpty();

    scrapes.get("trainer").remove("kafka_consumer_fetch_manager_records_lag_max");

    assertThat(queries.unknownNames(scrapes))
        .containsExactly(
            "kafka_consumer_fetch_manager_records_lag_max{service=\"trainer\"} (queried by"
                + " prometheus/rules.yaml alert FlywheelTrainerConsumerLag)");
    assertThat(queries.unknownNames(everything)).isEmpty();
  }

  @Test
  void selectorsKeepTheirEqualityMatchers() {
    assertThat(PromQl.selectors("max(a{service=\"x\", le!=\"1\", m=~\"$m\"}) + b"))
        .containsExactly(
            new PromQl.Selector("a", Map.of("service", "x")), new PromQl.Selector("b", Map.of()));
  }

  @Test
  void grafanaVariableQueriesYieldTheirPromQl() {
    assertThat(MonitoringQueries.variableExpression("label_values(a{b=\"c\"}, model)"))
        .isEqualTo("a{b=\"c\"}");
    assertThat(MonitoringQueries.variableExpression("label_values(model)")).isEmpty();
    assertThat(MonitoringQueries.variableExpression("query_result(topk(3, x))"))
        .isEqualTo("topk(3, x)");
    assertThat(MonitoringQueries.variableExpression("sum(x)")).isEqualTo("sum(x)");
  }

  @Test
  void theRealRulesAndDashboardsQueryOnlyServiceJvmKafkaAndProcessSeries() {
    MonitoringQueries queries = MonitoringQueries.load(InfraFiles.infra());

    assertThat(queries.queries()).hasSizeGreaterThan(50);
    for (String name : queries.metricNames().keySet()) {
      assertThat(name)
          .matches(
              "(flywheel_[a-z0-9_]+|flywheel:[a-z0-9_:]+|jvm_[a-z0-9_]+|process_[a-z0-9_]+"
                  + "|kafka_(consumer|producer)_[a-z0-9_]+|up)");
    }
    assertThat(queries.recordedNames())
        .contains(
            "flywheel:config:release_stall_seconds",
            "flywheel:evaluator_last_release_timestamp_seconds");
  }

  private static Path fixture() throws URISyntaxException {
    return Path.of(MonitoringQueriesTest.class.getResource("/monitoring-fixture").toURI());
  }
}
