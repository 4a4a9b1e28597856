package dev.flywheel.evaluator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.flywheel.common.lifecycle.ExitCodes;
import dev.flywheel.common.lifecycle.ServiceRunner;
import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.events.DatasetSnapshot;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedInfraExtension.class)
@Timeout(180)
class EvaluatorMainIT {

  private final EmbeddedInfra infra;
  private final HttpClient http = HttpClient.newHttpClient();

  EvaluatorMainIT(EmbeddedInfra infra) {
    this.infra = infra;
  }

  @Test
  void shouldServeHealthReadinessAndMetricsOnTheManagementPort() throws Exception {
    TrainedModels models = TrainedModels.get();
    try (Fixture fixture = new Fixture(infra)) {
      fixture.publishSpec(Fixture.policy().build());
      DatasetSnapshot snapshot = fixture.writeExamplesAndSnapshot();
      int port = freePort();
      EvaluatorConfig config =
          fixture.config(
              env -> env.put("FLYWHEEL_EVALUATOR_MANAGEMENT_PORT", Integer.toString(port)));
      AtomicInteger exit = new AtomicInteger(-1);
      ServiceRunner runner =
          EvaluatorService.DEFINITION.runner(
              config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), exit::set, System.err);
      CompletableFuture<Integer> run = CompletableFuture.supplyAsync(runner::run);

      await().atMost(Duration.ofSeconds(60)).until(() -> status(port, "/health/ready") == 200);
      assertThat(status(port, "/health/live")).isEqualTo(200);
      fixture.sendCandidate(Fixture.candidate(1, models.strong, snapshot));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> body(port, "/metrics").contains("flywheel_evaluator_champion_version{"));

      String metrics = body(port, "/metrics");
      assertThat(metrics)
          .contains("flywheel_evaluator_evaluations_total{decision=\"RELEASE\"} 1.0")
          .contains("flywheel_evaluator_checks_total{check=\"min_accuracy\",result=\"pass\"} 1.0")
          .contains("flywheel_evaluator_evaluation_duration_seconds_bucket")
          .contains("flywheel_evaluator_champion_version{model=\"topics\"} 1.0")
          .contains("flywheel_evaluator_champion_accuracy{model=\"topics\"}")
          .contains("flywheel_evaluator_releases_total{kind=\"PROMOTED\"} 1.0");
      runner.stop();
      assertThat(run.get(60, TimeUnit.SECONDS)).isEqualTo(ExitCodes.OK);
      assertThat(exit.get()).isEqualTo(ExitCodes.OK);
    }
  }

  @Test
  void shouldExitNonZeroWithOneLineWhenTheBrokerIsUnreachable() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + freePort());
    env.put("FLYWHEEL_SCHEMA_REGISTRY_URL", infra.registryUrl());
    env.put("FLYWHEEL_EVALUATOR_MANAGEMENT_PORT", "0");
    env.put("FLYWHEEL_EVALUATOR_STATE_TIMEOUT", "2s");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    AtomicInteger exit = new AtomicInteger(-1);

    int code =
        EvaluatorService.DEFINITION
            .runner(
                EvaluatorConfig.from(env, Map.of()),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                exit::set,
                new PrintStream(err, true, StandardCharsets.UTF_8))
            .run();

    assertThat(code).isEqualTo(ExitCodes.START_FAILED);
    assertThat(exit.get()).isEqualTo(ExitCodes.START_FAILED);
    String output = err.toString(StandardCharsets.UTF_8);
    assertThat(output.lines())
        .hasSize(1)
        .first()
        .asString()
        .startsWith("evaluator failed to start");
  }

  private int status(int port, String path) throws Exception {
    return http.send(request(port, path), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private String body(int port, String path) throws Exception {
    return http.send(request(port, path), HttpResponse.BodyHandlers.ofString()).body();
  }

  private static HttpRequest request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5))
        .build();
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
