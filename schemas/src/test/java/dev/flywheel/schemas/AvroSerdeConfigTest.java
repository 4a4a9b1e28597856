package dev.flywheel.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.events.FeedbackReceived;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class AvroSerdeConfigTest {
  @Test
  void shouldReadConfluentPropertyNames() {
    RegistryConfig config =
        AvroSerdeConfig.registryConfig(
            Map.of(
                "schema.registry.url", "http://r:8081",
                "basic.auth.credentials.source", "USER_INFO",
                "basic.auth.user.info", "u:p",
                "schema.registry.request.timeout.ms", "2500",
                "schema.registry.max.retries", 1,
                "schema.registry.retry.backoff.ms", "50"));
    assertThat(config.url()).isEqualTo("http://r:8081");
    assertThat(config.basicAuthUserInfo()).contains("u:p");
    assertThat(config.requestTimeout()).isEqualTo(Duration.ofMillis(2500));
    assertThat(config.maxRetries()).isEqualTo(1);
    assertThat(config.retryBackoff()).isEqualTo(Duration.ofMillis(50));
  }

  @Test
  void shouldTakeCredentialsFromTheUrlWhenAskedTo() {
    RegistryConfig config =
        AvroSerdeConfig.registryConfig(
            Map.of(
                "schema.registry.url", "https://u:p@r:8081",
                "basic.auth.credentials.source", "URL"));
    assertThat(config.url()).isEqualTo("https://r:8081");
    assertThat(config.basicAuthUserInfo()).contains("u:p");
  }

  @Test
  void shouldRequireTheUrlAndValidateValues() {
    assertThatThrownBy(() -> AvroSerdeConfig.registryConfig(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("schema.registry.url");
    assertThatThrownBy(
            () ->
                AvroSerdeConfig.registryConfig(
                    Map.of("schema.registry.url", "http://r", "schema.registry.max.retries", "x")))
        .isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> AvroSerdeConfig.autoRegister(Map.of("auto.register.schemas", "yes")))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void shouldDefaultAutoRegisterToTrue() {
    assertThat(AvroSerdeConfig.autoRegister(Map.of())).isTrue();
    assertThat(AvroSerdeConfig.autoRegister(Map.of("auto.register.schemas", "false"))).isFalse();
    assertThat(AvroSerdeConfig.autoRegister(Map.of("auto.register.schemas", false))).isFalse();
  }

  @Test
  void shouldResolveTheRecordClassForKeysAndValues() {
    Map<String, Object> configs =
        Map.of(
            "specific.avro.value.type",
            FeedbackReceived.class.getName(),
            "specific.avro.key.type",
            FeedbackReceived.class);
    assertThat(AvroSerdeConfig.recordClass(configs, false)).contains(FeedbackReceived.class);
    assertThat(AvroSerdeConfig.recordClass(configs, true)).contains(FeedbackReceived.class);
    assertThatThrownBy(
            () -> AvroSerdeConfig.recordClass(Map.of("specific.avro.value.type", "no.Such"), false))
        .isInstanceOf(ConfigException.class);
  }
}
