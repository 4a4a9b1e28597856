package dev.flywheel.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.common.auth.ApiKeys;
import dev.flywheel.common.auth.Role;
import dev.flywheel.common.config.InvalidConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IngestConfigTest {
  private static final String KEYS = ApiKeys.entry("shop", Role.APP, "secret-key");

  @Test
  void shouldReadTheEnvironmentWithDefaults() {
    IngestConfig config =
        IngestConfig.from(
            IngestConfig.SPEC.parse(
                Map.of(
                    "FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS", "localhost:9092",
                    "FLYWHEEL_SCHEMA_REGISTRY_URL", "http://localhost:8081",
                    "FLYWHEEL_INGEST_API_KEYS", KEYS,
                    "FLYWHEEL_INGEST_HTTP_PORT", "8088"),
                Map.of()));
    assertThat(config.httpPort()).isEqualTo(8088);
    assertThat(config.apiKeys().size()).isEqualTo(1);
    assertThat(config.topicPrefix()).isEqualTo("flywheel");
    assertThat(config.maxBatchItems()).isEqualTo(500);
  }

  @Test
  void shouldNeverPrintKeyHashes() {
    IngestConfig config =
        IngestConfig.from(
            IngestConfig.SPEC.parse(
                Map.of(),
                Map.of(
                    "kafka.bootstrap.servers", "localhost:9092",
                    "schema.registry.url", "http://localhost:8081",
                    "ingest.api.keys", KEYS)));
    assertThat(config.toString()).doesNotContain(ApiKeys.sha256Hex("secret-key"));
  }

  @Test
  void shouldListEveryProblemAtOnce() {
    assertThatThrownBy(
            () ->
                IngestConfig.from(
                    IngestConfig.SPEC.parse(
                        Map.of("FLYWHEEL_INGEST_HTTP_PORT", "http", "FLYWHEEL_INGEST_TYPO", "1"),
                        Map.of())))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("ingest.http.port")
        .hasMessageContaining("schema.registry.url")
        .hasMessageContaining("ingest.api.keys")
        .hasMessageContaining("FLYWHEEL_INGEST_TYPO");
  }

  @Test
  void shouldRequireBootstrapServers() {
    assertThatThrownBy(
            () ->
                IngestConfig.from(
                    IngestConfig.SPEC.parse(
                        Map.of(),
                        Map.of("schema.registry.url", "http://r", "ingest.api.keys", KEYS))))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("kafka.bootstrap.servers");
  }
}
