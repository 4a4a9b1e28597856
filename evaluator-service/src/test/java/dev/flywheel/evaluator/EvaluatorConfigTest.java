package dev.flywheel.evaluator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.common.config.InvalidConfigException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluatorConfigTest {

  @Test
  void shouldReadEveryFieldFromTheEnvironment() {
    EvaluatorConfig config =
        EvaluatorConfig.from(
            Map.of(
                "FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS", "broker:9092",
                "FLYWHEEL_SCHEMA_REGISTRY_URL", "http://registry:8081",
                "FLYWHEEL_TOPICS_PREFIX", "acme",
                "FLYWHEEL_EVALUATOR_GROUP_ID", "gate",
                "FLYWHEEL_EVALUATOR_MANAGEMENT_PORT", "9000",
                "FLYWHEEL_EVALUATOR_LATENCY_SAMPLES", "10",
                "FLYWHEEL_EVALUATOR_ARTIFACTS_ROOT", "file:/srv/artifacts",
                "FLYWHEEL_EVALUATOR_STATE_TIMEOUT", "5s"),
            Map.of());

    assertThat(config.registryUrl()).isEqualTo("http://registry:8081");
    assertThat(config.topicPrefix()).isEqualTo("acme");
    assertThat(config.groupId()).isEqualTo("gate");
    assertThat(config.managementPort()).isEqualTo(9000);
    assertThat(config.latencySamples()).isEqualTo(10);
    assertThat(config.artifactsUri()).contains("file:/srv/artifacts");
    assertThat(config.stateTimeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void shouldReadTheSharedArtifactsUriBeforeTheDeprecatedEvaluatorKey() {
    EvaluatorConfig config =
        EvaluatorConfig.from(
            Map.of(
                "FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS", "broker:9092",
                "FLYWHEEL_SCHEMA_REGISTRY_URL", "http://registry:8081",
                "FLYWHEEL_ARTIFACTS_URI", "file:/srv/shared",
                "FLYWHEEL_EVALUATOR_ARTIFACTS_ROOT", "file:/srv/old"),
            Map.of());

    assertThat(config.artifactsUri()).contains("file:/srv/shared");
  }

  @Test
  void shouldDefaultWhatIsOptional() {
    EvaluatorConfig config =
        EvaluatorConfig.from(
            Map.of(
                "FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS", "broker:9092",
                "FLYWHEEL_SCHEMA_REGISTRY_URL", "http://registry:8081"),
            Map.of());

    assertThat(config.topicPrefix()).isEqualTo("flywheel");
    assertThat(config.groupId()).isEqualTo("flywheel-evaluator");
    assertThat(config.artifactsUri()).isEmpty();
  }

  @Test
  void shouldListEveryProblemAtOnce() {
    assertThatThrownBy(
            () ->
                EvaluatorConfig.from(
                    Map.of(
                        "FLYWHEEL_EVALUATOR_MANAGEMENT_PORT", "70000",
                        "FLYWHEEL_EVALUATOR_LATENCY_SAMPLES", "none"),
                    Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .satisfies(
            e ->
                assertThat(((InvalidConfigException) e).problems())
                    .anySatisfy(p -> assertThat(p).startsWith("schema.registry.url"))
                    .anySatisfy(p -> assertThat(p).startsWith("evaluator.management.port"))
                    .anySatisfy(p -> assertThat(p).startsWith("evaluator.latency.samples")));
  }

  @Test
  void shouldRequireTheBootstrapServers() {
    assertThatThrownBy(
            () ->
                EvaluatorConfig.from(
                    Map.of("FLYWHEEL_SCHEMA_REGISTRY_URL", "http://registry:8081"), Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("kafka.bootstrap.servers");
  }
}
