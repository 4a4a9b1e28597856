package dev.flywheel.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The alert rules pass Prometheus' own checker and their unit tests ({@code promtool check rules},
 * {@code promtool test rules} on prometheus/rules-test.yaml), the compose stack's Prometheus
 * configuration passes {@code promtool check config}, and the rules cover what operators must be
 * told. promtool comes from infra/scripts/ensure-promtool.sh; when it cannot be had the tests fail
 * with its reason, they never skip.
 */
class PrometheusRulesTest {
  private static final long TIMEOUT_SECONDS = 300;

  private static String promtool;

  @BeforeAll
  static void promtool() throws Exception {
    Path script = InfraFiles.infra().resolve("scripts/ensure-promtool.sh");
    Result result = run(List.of("bash", script.toString()));
    assertThat(result.exitCode())
        .as("promtool is needed and %s could not provide it:%n%s", script, result.output())
        .isZero();
    List<String> lines = result.stdout().lines().toList();
    promtool = lines.get(lines.size() - 1).trim();
  }

  @Test
  void rulesPassPromtoolCheck() throws Exception {
    Result check =
        run(
            List.of(
                promtool, "check", "rules", InfraFiles.infra().resolve(Generate.RULES).toString()));

    assertThat(check.exitCode()).as(check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS");
  }

  @Test
  void rulesPassTheirUnitTests() throws Exception {
    Result test =
        run(
            List.of(
                promtool,
                "test",
                "rules",
                InfraFiles.infra().resolve("prometheus/rules-test.yaml").toString()));

    assertThat(test.exitCode()).as(test.output()).isZero();
    assertThat(test.output()).contains("SUCCESS");
  }

  @Test
  void composePrometheusConfigPassesPromtoolCheck() throws Exception {
    Result check =
        run(
            List.of(
                promtool,
                "check",
                "config",
                InfraFiles.docker().resolve("prometheus/prometheus.yml").toString()));

    assertThat(check.exitCode()).as(check.output()).isZero();
  }

  @Test
  void rulesCoverWhatOperatorsMustBeToldWithSeverityAndSummary() {
    JsonNode rules = InfraFiles.yaml(InfraFiles.infra().resolve(Generate.RULES));
    Set<String> alerts = new TreeSet<>();
    for (JsonNode group : rules.path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        if (rule.has("alert")) {
          alerts.add(rule.path("alert").asText());
          assertThat(rule.at("/labels/severity").asText())
              .as(rule.path("alert").asText())
              .isIn("warning", "critical");
          assertThat(rule.at("/annotations/summary").asText()).isNotBlank();
          assertThat(rule.at("/annotations/description").asText()).isNotBlank();
        }
      }
    }

    assertThat(alerts)
        .contains(
            "FlywheelGatewayErrorRatioHigh",
            "FlywheelFeedbackConsumerLag",
            "FlywheelIngestConsumerLag",
            "FlywheelTrainerConsumerLag",
            "FlywheelEvaluatorConsumerLag",
            "FlywheelNoReleaseWhileRetrainsPileUp",
            "FlywheelTrainingFailures",
            "FlywheelEvaluationsRejectedInARow",
            "FlywheelRollback",
            "FlywheelDeadLetters");
  }

  @Test
  void everyAlertHasAUnitTest() {
    JsonNode rules = InfraFiles.yaml(InfraFiles.infra().resolve(Generate.RULES));
    JsonNode tests = InfraFiles.yaml(InfraFiles.infra().resolve("prometheus/rules-test.yaml"));
    Set<String> tested = new TreeSet<>(tests.findValuesAsText("alertname"));
    List<String> untested = new ArrayList<>();
    for (JsonNode group : rules.path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        String alert = rule.path("alert").asText();
        if (!alert.isEmpty() && !tested.contains(alert) && !UNTESTED.contains(alert)) {
          untested.add(alert);
        }
      }
    }
    assertThat(untested).as("alerts without a promtool unit test").isEmpty();
  }

  /** Alerts whose expressions are a plain threshold on one series; promtool check covers them. */
  private static final Set<String> UNTESTED =
      Set.of(
          "FlywheelGatewayLatencyHigh",
          "FlywheelTrainerConsumerLag",
          "FlywheelTrainerQueueBacklog",
          "FlywheelEvaluatorConsumerLag",
          "FlywheelTrainingDeadLettered",
          "FlywheelServiceDown");

  private record Result(int exitCode, String stdout, String stderr) {
    String output() {
      return stdout + stderr;
    }
  }

  private static Result run(List<String> command) throws IOException, InterruptedException {
    // Output goes to files, so a chatty command can never fill a pipe and block.
    Path out = Files.createTempFile("promtool", ".out");
    Path err = Files.createTempFile("promtool", ".err");
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(command + " did not finish in " + TIMEOUT_SECONDS + " s");
      }
      return new Result(
          process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
