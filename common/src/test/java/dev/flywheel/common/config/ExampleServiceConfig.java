package dev.flywheel.common.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How a service declares its configuration: an immutable record, its spec, and a factory from a
 * validated {@link Config}. (The real services have their own; this one is the pattern's test.)
 */
record ExampleServiceConfig(
    String host,
    int port,
    Duration requestTimeout,
    List<String> allowedApps,
    Secret adminToken,
    boolean sseEnabled,
    long maxBodyBytes,
    double sampleRate,
    Map<String, Object> producerSettings) {

  static final Field<String> HOST =
      Field.ofString("example.http.host").withDefault("0.0.0.0").withDoc("Interface to bind.");
  static final Field<Integer> PORT =
      Field.ofInt("example.http.port")
          .withDefault(8080)
          .withValidator(Validators.port())
          .withDoc("HTTP port; 0 picks a free one.");
  static final Field<Duration> REQUEST_TIMEOUT =
      Field.ofDuration("example.request.timeout")
          .withDefault(Duration.ofSeconds(5))
          .withValidator(Validators.positive())
          .withDoc("How long a request may take.");
  static final Field<List<String>> ALLOWED_APPS =
      Field.ofList("example.allowed.apps")
          .withValidator(Validators.notEmpty())
          .withDoc("Apps allowed to call.");
  static final Field<Secret> ADMIN_TOKEN =
      Field.ofSecret("example.admin.token").withDoc("Bearer token of the admin routes.");
  static final Field<Boolean> SSE_ENABLED =
      Field.ofBoolean("example.sse.enabled").withDefault(true);
  static final Field<Long> MAX_BODY_BYTES =
      Field.ofLong("example.max-body-bytes")
          .withDefault(1_048_576L)
          .withValidator(Validators.between(1L, 64L * 1024 * 1024));
  static final Field<Double> SAMPLE_RATE =
      Field.ofDouble("example.sample.rate")
          .withDefault(1.0)
          .withValidator(Validators.between(0.0, 1.0));

  static final ConfigSpec SPEC =
      ConfigSpec.builder()
          .define(HOST)
          .define(PORT)
          .define(REQUEST_TIMEOUT)
          .define(ALLOWED_APPS)
          .define(ADMIN_TOKEN)
          .define(SSE_ENABLED)
          .define(MAX_BODY_BYTES)
          .define(SAMPLE_RATE)
          .rejectUnknownUnder("example.")
          .build();

  static ExampleServiceConfig from(Config config) {
    return new ExampleServiceConfig(
        config.get(HOST),
        config.get(PORT),
        config.get(REQUEST_TIMEOUT),
        config.get(ALLOWED_APPS),
        config.get(ADMIN_TOKEN),
        config.get(SSE_ENABLED),
        config.get(MAX_BODY_BYTES),
        config.get(SAMPLE_RATE),
        config.kafka(ClientType.PRODUCER));
  }
}
