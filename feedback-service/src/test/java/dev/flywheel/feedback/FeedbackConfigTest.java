package dev.flywheel.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.common.config.InvalidConfigException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class FeedbackConfigTest {
  private static final Map<String, String> REQUIRED =
      Map.of(
          "FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS", "broker:9092",
          "FLYWHEEL_SCHEMA_REGISTRY_URL", "http://registry:8081");

  @Test
  void shouldUseTheDocumentedDefaults() {
    FeedbackConfig config = FeedbackConfig.from(FeedbackConfig.SPEC.parse(REQUIRED, Map.of()));

    assertThat(config.applicationId()).isEqualTo("flywheel-feedback");
    assertThat(config.settings().joinWindow()).isEqualTo(Duration.ofHours(24));
    assertThat(config.settings().joinGrace()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.settings().qualityWindow()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.settings().confirmationWeight()).isEqualTo(0.5f);
    assertThat(config.settings().inMemoryStores()).isFalse();
    Properties streams = config.kafkaClients().streamsConfig(config.applicationId());
    assertThat(streams.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG))
        .isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
    assertThat(streams.get("bootstrap.servers")).isEqualTo("broker:9092");
  }

  @Test
  void shouldReadSettingsFromTheEnvironment() {
    Map<String, String> env = new HashMap<>(REQUIRED);
    env.put("FLYWHEEL_TOPICS_PREFIX", "staging");
    env.put("FLYWHEEL_FEEDBACK_JOIN_WINDOW", "2h");
    env.put("FLYWHEEL_FEEDBACK_QUALITY_WINDOW", "1m");

    FeedbackConfig config = FeedbackConfig.from(FeedbackConfig.SPEC.parse(env, Map.of()));

    assertThat(config.applicationId()).isEqualTo("staging-feedback");
    assertThat(config.settings().joinWindow()).isEqualTo(Duration.ofHours(2));
    assertThat(config.settings().dedupRetention())
        .isGreaterThanOrEqualTo(Duration.ofHours(2).plusMinutes(10));
    assertThat(config.settings().qualityWindow()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void shouldListEveryProblemAtOnce() {
    Map<String, String> env =
        Map.of(
            "FLYWHEEL_SCHEMA_REGISTRY_URL", "http://registry:8081",
            "FLYWHEEL_FEEDBACK_WEIGHT_CONFIRMATION", "1.0",
            "FLYWHEEL_FEEDBACK_WEIGHT_CORRECTION", "0.5");

    assertThatThrownBy(() -> FeedbackConfig.from(FeedbackConfig.SPEC.parse(env, Map.of())))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("kafka.bootstrap.servers")
        .hasMessageContaining("confirmationWeight <= correctionWeight");
  }

  @Test
  void shouldRejectAMisspeltFeedbackKey() {
    Map<String, String> env = new HashMap<>(REQUIRED);
    env.put("FLYWHEEL_FEEDBACK_JOIN_WINDOWS", "2h");

    assertThatThrownBy(() -> FeedbackConfig.from(FeedbackConfig.SPEC.parse(env, Map.of())))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("FLYWHEEL_FEEDBACK_JOIN_WINDOWS");
  }
}
