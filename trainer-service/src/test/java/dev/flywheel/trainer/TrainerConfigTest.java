package dev.flywheel.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.common.config.InvalidConfigException;
import dev.flywheel.slm.DevicePreference;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainerConfigTest {

  @Test
  void shouldReadEnvironmentWithDefaults() {
    TrainerConfig config =
        TrainerConfig.fromEnv(
            Map.of(
                "FLYWHEEL_SCHEMA_REGISTRY_URL", "http://localhost:8081",
                "FLYWHEEL_TOPICS_PREFIX", "acme",
                "FLYWHEEL_TRAINER_WORKERS", "3",
                "FLYWHEEL_TRAINER_DEVICE", "cpu",
                "FLYWHEEL_TRAINER_RETRY_BACKOFF", "250ms"));

    assertThat(config.registryUrl()).isEqualTo("http://localhost:8081");
    assertThat(config.groupId()).isEqualTo("acme-trainer");
    assertThat(config.workers()).isEqualTo(3);
    assertThat(config.device()).isEqualTo(DevicePreference.CPU);
    assertThat(config.retryBackoff()).isEqualTo(Duration.ofMillis(250));
    assertThat(config.maxAttempts()).isEqualTo(3);
    assertThat(config.withWorkers(1).workers()).isEqualTo(1);
  }

  @Test
  void shouldListEveryProblemAtOnce() {
    assertThatThrownBy(
            () ->
                TrainerConfig.fromEnv(
                    Map.of("FLYWHEEL_TRAINER_WORKERS", "0", "FLYWHEEL_TRAINER_DEVICE", "tpu")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("schema.registry.url")
        .hasMessageContaining("trainer.workers")
        .hasMessageContaining("trainer.device");
  }
}
