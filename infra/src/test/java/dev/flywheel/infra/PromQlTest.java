package dev.flywheel.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PromQlTest {
  @Test
  void findsTheNameOfAPlainSelector() {
    assertThat(PromQl.metricNames("up")).containsExactly("up");
    assertThat(PromQl.metricNames("flywheel_trainer_busy_workers{service=\"trainer\"}"))
        .containsExactly("flywheel_trainer_busy_workers");
  }

  @Test
  void skipsFunctionsAggregationsRangesAndGroupingLabels() {
    String expression =
        "histogram_quantile(0.99, sum by (route, le) "
            + "(rate(flywheel_ingest_request_duration_seconds_bucket{route=~\"$route\"}[5m])))";

    assertThat(PromQl.metricNames(expression))
        .containsExactly("flywheel_ingest_request_duration_seconds_bucket");
  }

  @Test
  void readsBothSidesOfBinaryOperationsAndSkipsMatchingModifiers() {
    String expression =
        "sum without (instance) (rate(a_total[5m])) / on (service) group_left (model) "
            + "max by (service, model) (b) > bool 0.5 and ignoring (le) c unless d offset 1h";

    assertThat(PromQl.metricNames(expression)).containsExactly("a_total", "b", "c", "d");
  }

  @Test
  void aggregationModifiersAfterTheArgumentsAreNotNames() {
    assertThat(PromQl.metricNames("sum(rate(x_total[1m])) by (kind)")).containsExactly("x_total");
    assertThat(PromQl.metricNames("topk(5, count_values(\"v\", y)) without (job)"))
        .containsExactly("y");
  }

  @Test
  void ignoresStringsNumbersDurationsAndGrafanaVariables() {
    String expression =
        "label_replace(m{a=\"x y\"}, \"dst\", \"$1\", \"src\", \"(.*)\") * 1e3 + 0x1F - 1.5"
            + " + n[$__rate_interval] + o[${window}] + p{model=~\"$model\"} + Inf - NaN";

    assertThat(PromQl.metricNames(expression)).containsExactly("m", "n", "o", "p");
  }

  @Test
  void readsSubqueriesAndTimestampsOfRecordingRuleNames() {
    String expression =
        "time() - max_over_time((timestamp(changes(flywheel_evaluator_releases_total[10m]) > 0))[7d:5m])"
            + " > scalar(flywheel:config:release_stall_seconds)";

    assertThat(PromQl.metricNames(expression))
        .containsExactly(
            "flywheel_evaluator_releases_total", "flywheel:config:release_stall_seconds");
  }

  @Test
  void readsNamesGivenAsNameMatchersOrQuotedInSelectors() {
    assertThat(PromQl.metricNames("{__name__=\"jvm_threads_live_threads\", service=\"x\"}"))
        .containsExactly("jvm_threads_live_threads");
    assertThat(PromQl.metricNames("rate({\"my.metric_total\", job=\"x\"}[5m])"))
        .containsExactly("my.metric_total");
  }

  @Test
  void stringsMayHoldBracesAndQuotes() {
    assertThat(PromQl.metricNames("a{l=\"}{[\\\"\"} + b{l='x}'}")).containsExactly("a", "b");
  }

  @Test
  void commentsAreSkipped() {
    assertThat(PromQl.metricNames("a # not_a_metric\n+ b")).containsExactly("a", "b");
  }

  @Test
  void rejectsNameMatchersItCannotCheck() {
    assertThatThrownBy(() -> PromQl.metricNames("{__name__=~\"flywheel_.*\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("__name__");
  }

  @Test
  void rejectsUnterminatedExpressions() {
    assertThatThrownBy(() -> PromQl.metricNames("rate(a[5m)"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PromQl.metricNames("a{l=\"x}"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
