package dev.flywheel.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigSpecTest {
  private static final Map<String, String> MINIMAL_ENV =
      Map.of(
          "FLYWHEEL_EXAMPLE_ALLOWED_APPS", "shop, blog",
          "FLYWHEEL_EXAMPLE_ADMIN_TOKEN", "s3cr3t-token");

  @Test
  void shouldBuildTheServiceRecordWithDefaultsAndEnvironmentValues() {
    Config config = ExampleServiceConfig.SPEC.parse(MINIMAL_ENV, Map.of());

    ExampleServiceConfig example = ExampleServiceConfig.from(config);

    assertThat(example.host()).isEqualTo("0.0.0.0");
    assertThat(example.port()).isEqualTo(8080);
    assertThat(example.requestTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(example.allowedApps()).containsExactly("shop", "blog");
    assertThat(example.adminToken().reveal()).isEqualTo("s3cr3t-token");
    assertThat(example.sseEnabled()).isTrue();
    assertThat(example.maxBodyBytes()).isEqualTo(1_048_576L);
    assertThat(example.sampleRate()).isEqualTo(1.0);
    assertThat(config.origin(ExampleServiceConfig.PORT)).contains("default");
    assertThat(config.origin(ExampleServiceConfig.ALLOWED_APPS))
        .contains("env FLYWHEEL_EXAMPLE_ALLOWED_APPS");
  }

  @Test
  void shouldMapDottedAndDashedKeysToFlywheelEnvironmentNames() {
    assertThat(ExampleServiceConfig.PORT.envName()).isEqualTo("FLYWHEEL_EXAMPLE_HTTP_PORT");
    assertThat(ExampleServiceConfig.MAX_BODY_BYTES.envName())
        .isEqualTo("FLYWHEEL_EXAMPLE_MAX_BODY_BYTES");
    assertThat(Field.envName("ingest.http.port")).isEqualTo("FLYWHEEL_INGEST_HTTP_PORT");
  }

  @Test
  void shouldLetTheEnvironmentWinOverTheFile() {
    Map<String, String> env = new HashMap<>(MINIMAL_ENV);
    env.put("FLYWHEEL_EXAMPLE_HTTP_PORT", "9090");
    Map<String, String> file = Map.of("example.http.port", "7070", "example.http.host", "10.0.0.1");

    Config config = ExampleServiceConfig.SPEC.parse(env, file);

    assertThat(config.get(ExampleServiceConfig.PORT)).isEqualTo(9090);
    assertThat(config.get(ExampleServiceConfig.HOST)).isEqualTo("10.0.0.1");
    assertThat(config.origin(ExampleServiceConfig.HOST)).contains("file");
  }

  @Test
  void shouldReportEveryProblemAtOnce() {
    Map<String, String> env =
        Map.of(
            "FLYWHEEL_EXAMPLE_HTTP_PORT", "70000",
            "FLYWHEEL_EXAMPLE_REQUEST_TIMEOUT", "soon",
            "FLYWHEEL_EXAMPLE_SSE_ENABLED", "yes",
            "FLYWHEEL_EXAMPLE_SAMPLE_RATE", "abc",
            "FLYWHEEL_EXAMPLE_ALLOWED_APPS", " , ");

    InvalidConfigException error =
        catchThrowableOfType(
            InvalidConfigException.class, () -> ExampleServiceConfig.SPEC.parse(env, Map.of()));

    assertThat(error.problems())
        .hasSize(6)
        .anySatisfy(p -> assertThat(p).startsWith("example.http.port").contains("65535", "70000"))
        .anySatisfy(p -> assertThat(p).startsWith("example.request.timeout").contains("'soon'"))
        .anySatisfy(p -> assertThat(p).startsWith("example.sse.enabled").contains("boolean"))
        .anySatisfy(p -> assertThat(p).startsWith("example.sample.rate").contains("double"))
        .anySatisfy(p -> assertThat(p).startsWith("example.allowed.apps").contains("empty"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith("example.admin.token: missing")
                    .contains("FLYWHEEL_EXAMPLE_ADMIN_TOKEN"));
    assertThat(error.getMessage()).startsWith("invalid configuration (6 problems)");
  }

  @Test
  void shouldNeverEchoASecretValueInAProblem() {
    ConfigSpec spec =
        ConfigSpec.builder()
            .define(
                Field.ofSecret("example.api.secret")
                    .withValidator(
                        s ->
                            s.reveal().length() >= 12
                                ? java.util.Optional.empty()
                                : java.util.Optional.of("too short: " + s.reveal())))
            .build();

    assertThatThrownBy(() -> spec.parse(Map.of("FLYWHEEL_EXAMPLE_API_SECRET", "hunter2"), Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("example.api.secret")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void shouldMaskSecretsWhenTheConfigIsPrinted() {
    Map<String, String> env = new HashMap<>(MINIMAL_ENV);
    env.put("FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS", "broker-1:9092");
    env.put(
        "FLYWHEEL_KAFKA_SASL_JAAS_CONFIG",
        "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"pw-1\";");
    Map<String, String> file =
        Map.of(
            "kafka.ssl.key.password", "pw-2",
            "kafka.producer.ssl.truststore.password", "pw-3",
            "kafka.consumer.sasl.client.secret", "pw-4",
            "kafka.key.serializer", "org.apache.kafka.common.serialization.StringSerializer",
            "kafka.admin.api.key", "pw-5");

    Config config = ExampleServiceConfig.SPEC.parse(env, file);
    String printed = config.toString();

    assertThat(printed)
        .contains("kafka.bootstrap.servers=broker-1:9092")
        .contains("kafka.sasl.jaas.config=[hidden]")
        .contains("kafka.ssl.key.password=[hidden]")
        .contains("kafka.producer.ssl.truststore.password=[hidden]")
        .contains("kafka.consumer.sasl.client.secret=[hidden]")
        .contains("kafka.admin.api.key=[hidden]")
        .contains("example.admin.token=[hidden]")
        .contains("kafka.key.serializer=org.apache.kafka.common.serialization.StringSerializer")
        .contains("example.http.port=8080 [default]")
        .doesNotContain("pw-1", "pw-2", "pw-3", "pw-4", "pw-5", "s3cr3t-token");
    assertThat(config.masked()).containsEntry("kafka.sasl.jaas.config", Secret.MASK);
    assertThat(String.valueOf(config.get(ExampleServiceConfig.ADMIN_TOKEN))).isEqualTo("[hidden]");
    assertThat(ExampleServiceConfig.SPEC.describe()).doesNotContain("s3cr3t-token");
  }

  @Test
  void shouldPassKafkaSettingsThroughPerClientTypeWithScopedOnesWinning() {
    Map<String, String> env = new HashMap<>(MINIMAL_ENV);
    env.put("FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS", "env-broker:9092");
    env.put("FLYWHEEL_KAFKA_PRODUCER_LINGER_MS", "20");
    Map<String, String> file =
        Map.of(
            "kafka.bootstrap.servers", "file-broker:9092",
            "kafka.client.rack", "rack-a",
            "kafka.linger.ms", "1",
            "kafka.consumer.max.poll.records", "50",
            "kafka.streams.num.stream.threads", "2",
            "kafka.admin.request.timeout.ms", "5000");

    Config config = ExampleServiceConfig.SPEC.parse(env, file);

    assertThat(config.kafka(ClientType.PRODUCER))
        .containsEntry("bootstrap.servers", "env-broker:9092")
        .containsEntry("client.rack", "rack-a")
        .containsEntry("linger.ms", "20")
        .doesNotContainKey("max.poll.records")
        .doesNotContainKey("consumer.max.poll.records");
    assertThat(config.kafka(ClientType.CONSUMER))
        .containsEntry("max.poll.records", "50")
        .containsEntry("linger.ms", "1");
    assertThat(config.kafka(ClientType.STREAMS)).containsEntry("num.stream.threads", "2");
    assertThat(config.kafka(ClientType.ADMIN))
        .containsEntry("request.timeout.ms", "5000")
        .containsEntry("bootstrap.servers", "env-broker:9092");
  }

  @Test
  void shouldRejectAPassThroughPrefixWithoutASetting() {
    Map<String, String> file = Map.of("kafka.producer.", "x");

    assertThatThrownBy(() -> ExampleServiceConfig.SPEC.parse(MINIMAL_ENV, file))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("kafka.producer.: a Kafka pass-through key needs a client setting");
  }

  @Test
  void shouldRejectUnknownKeysUnderTheServicePrefixButIgnoreOtherServices() {
    Map<String, String> env = new HashMap<>(MINIMAL_ENV);
    env.put("FLYWHEEL_EXAMPLE_HTTP_PROT", "1");
    env.put("FLYWHEEL_TRAINER_WORKERS", "2");
    Map<String, String> file = Map.of("example.http.hots", "x", "evaluator.gate.alpha", "0.05");

    InvalidConfigException error =
        catchThrowableOfType(
            InvalidConfigException.class, () -> ExampleServiceConfig.SPEC.parse(env, file));

    assertThat(error.problems())
        .containsExactlyInAnyOrder(
            "example.http.hots (from file): unknown key",
            "FLYWHEEL_EXAMPLE_HTTP_PROT (from env): unknown key");
  }

  @Test
  void shouldReadThePropertiesFileNamedByTheEnvironment(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("example.properties");
    Files.writeString(
        file,
        "example.http.port=8181\nexample.allowed.apps=a,b,c\nkafka.bootstrap.servers=file:9092\n");
    Map<String, String> env =
        Map.of(ConfigSpec.CONFIG_FILE_ENV, file.toString(), "FLYWHEEL_EXAMPLE_ADMIN_TOKEN", "t");

    Config config = ExampleServiceConfig.SPEC.load(env);

    assertThat(config.get(ExampleServiceConfig.PORT)).isEqualTo(8181);
    assertThat(config.get(ExampleServiceConfig.ALLOWED_APPS)).containsExactly("a", "b", "c");
    assertThat(config.kafka(ClientType.ADMIN)).containsEntry("bootstrap.servers", "file:9092");
  }

  @Test
  void shouldReportAMissingPropertiesFileTogetherWithOtherProblems(@TempDir Path dir) {
    Map<String, String> env =
        Map.of(ConfigSpec.CONFIG_FILE_ENV, dir.resolve("absent.properties").toString());

    InvalidConfigException error =
        catchThrowableOfType(
            InvalidConfigException.class, () -> ExampleServiceConfig.SPEC.load(env));

    assertThat(error.problems())
        .hasSize(3)
        .anySatisfy(p -> assertThat(p).startsWith("FLYWHEEL_CONFIG_FILE: cannot read"));
  }

  @Test
  void shouldParseEveryDurationForm() {
    Field<Duration> field = Field.ofDuration("example.wait");
    ConfigSpec spec = ConfigSpec.builder().define(field).build();
    Map<String, Duration> cases =
        Map.of(
            "250ms", Duration.ofMillis(250),
            "30s", Duration.ofSeconds(30),
            "5m", Duration.ofMinutes(5),
            "2h", Duration.ofHours(2),
            "1d", Duration.ofDays(1),
            "PT1M30S", Duration.ofSeconds(90),
            "1500", Duration.ofMillis(1500));

    cases.forEach(
        (text, expected) ->
            assertThat(spec.parse(Map.of("FLYWHEEL_EXAMPLE_WAIT", text), Map.of()).get(field))
                .as(text)
                .isEqualTo(expected));
  }

  @Test
  void shouldGiveOptionalFieldsWithoutDefaultAsEmpty() {
    Field<String> optional = Field.ofString("example.label").optional();
    Config config = ConfigSpec.builder().define(optional).build().parse(Map.of(), Map.of());

    assertThat(config.find(optional)).isEmpty();
    assertThatThrownBy(() -> config.get(optional)).hasMessageContaining("example.label");
  }

  @Test
  void shouldRefuseFieldsThatCollideWithPassThroughOrEachOther() {
    assertThatThrownBy(() -> ConfigSpec.builder().define(Field.ofString("kafka.bootstrap.servers")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                ConfigSpec.builder()
                    .define(List.of(Field.ofInt("example.a"), Field.ofString("example.a"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("defined twice");
    assertThatThrownBy(() -> Field.ofInt("Example_Port"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldRefuseAFieldOfAnotherSpec() {
    Config config = ExampleServiceConfig.SPEC.parse(MINIMAL_ENV, Map.of());

    assertThatThrownBy(() -> config.get(Field.ofInt("other.port")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("other.port");
  }

  @Test
  void shouldDescribeEveryKeyWithItsEnvironmentVariable() {
    String table = ExampleServiceConfig.SPEC.describe();

    assertThat(table)
        .contains("| `example.http.port` | `FLYWHEEL_EXAMPLE_HTTP_PORT` | int | 8080 | HTTP port")
        .contains(
            "| `example.admin.token` | `FLYWHEEL_EXAMPLE_ADMIN_TOKEN` | password | (required)");
  }
}
