package dev.flywheel.feedback;

import dev.flywheel.common.auth.ApiKeys;
import dev.flywheel.common.config.ClientType;
import dev.flywheel.common.config.Config;
import dev.flywheel.common.config.ConfigSpec;
import dev.flywheel.common.config.Field;
import dev.flywheel.common.config.InvalidConfigException;
import dev.flywheel.common.config.SharedFields;
import dev.flywheel.common.config.Validators;
import dev.flywheel.common.kafka.KafkaClients;
import dev.flywheel.common.service.ServiceConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The feedback service's configuration, read from {@code FLYWHEEL_*} environment variables and an
 * optional properties file (see {@link #SPEC}); raw Kafka client settings pass through under {@code
 * kafka.} (e.g. {@code kafka.streams.commit.interval.ms}). {@code kafka.bootstrap.servers} and
 * {@code schema.registry.url} are required.
 *
 * @param managementPort port of /health/live, /health/ready and /metrics (0 picks a free one)
 * @param managementHost interface the management port binds (loopback by default)
 * @param httpPort port of the live-quality API {@code GET /v1/quality/{model}} (0: a free one)
 * @param httpHost interface the live-quality API binds (loopback by default)
 * @param apiKeys the keys the live-quality API accepts (the gateway's; none: it refuses all)
 * @param topicPrefix installation prefix of every topic
 * @param registryUrl schema registry base URL
 * @param applicationId Kafka Streams application id (consumer group, internal topic prefix)
 * @param settings the topology's knobs
 * @param startTimeout how long start-up may wait for Streams to reach RUNNING
 * @param kafkaClients Kafka client settings (exactly-once Streams properties, pass-through values)
 * @param replicationFactor replication factor of topics the service creates (-1: broker default)
 */
public record FeedbackConfig(
    int managementPort,
    String managementHost,
    int httpPort,
    String httpHost,
    ApiKeys apiKeys,
    String topicPrefix,
    String registryUrl,
    String applicationId,
    FeedbackSettings settings,
    Duration startTimeout,
    KafkaClients kafkaClients,
    int replicationFactor)
    implements ServiceConfig {

  static final Field<String> MANAGEMENT_HOST = SharedFields.MANAGEMENT_HOST;
  static final Field<String> HTTP_HOST =
      Field.ofString("feedback.http.host")
          .withDefault("127.0.0.1")
          .withValidator(Validators.notBlank())
          .withDoc(
              "Interface of the live-quality API: loopback by default, 0.0.0.0 in containers.");
  static final Field<List<String>> API_KEYS =
      Field.ofList("feedback.api.keys")
          .withDefault(List.of())
          .withDoc(
              "Keys the live-quality API accepts, in the gateway's format"
                  + " (<app-id>:<app|admin>:<sha256-hex-of-key>); without any it refuses every"
                  + " request.");
  static final Field<Integer> MANAGEMENT_PORT =
      Field.ofInt("feedback.management.port")
          .withDefault(9082)
          .withValidator(Validators.between(0, 65535))
          .withDoc("Port of /health/live, /health/ready and /metrics (0 picks a free port).");
  static final Field<Integer> HTTP_PORT =
      Field.ofInt("feedback.http.port")
          .withDefault(8082)
          .withValidator(Validators.between(0, 65535))
          .withDoc("Port of the live-quality API GET /v1/quality/{model} (0 picks a free port).");
  static final Field<String> TOPIC_PREFIX = SharedFields.TOPICS_PREFIX;
  static final Field<String> REGISTRY_URL = SharedFields.SCHEMA_REGISTRY_URL;
  static final Field<String> APPLICATION_ID =
      Field.ofString("feedback.application.id")
          .optional()
          .withValidator(Validators.matches("[a-zA-Z0-9._-]+"))
          .withDoc("Kafka Streams application id; default <topics.prefix>-feedback.");
  static final Field<Duration> JOIN_WINDOW =
      Field.ofDuration("feedback.join.window")
          .withDefault(Duration.ofHours(24))
          .withValidator(Validators.positive())
          .withDoc("How long before a feedback event its prediction may have been made.");
  static final Field<Duration> JOIN_GRACE =
      Field.ofDuration("feedback.join.grace")
          .withDefault(Duration.ofMinutes(5))
          .withDoc("How late a prediction may arrive; unmatched feedback waits twice this.");
  static final Field<Duration> QUALITY_WINDOW =
      Field.ofDuration("feedback.quality.window")
          .withDefault(Duration.ofMinutes(5))
          .withValidator(Validators.positive())
          .withDoc("Size of the tumbling live-quality windows.");
  static final Field<Duration> QUALITY_GRACE =
      Field.ofDuration("feedback.quality.grace")
          .withDefault(Duration.ofMinutes(1))
          .withDoc("How late an event may arrive and still count in its quality window.");
  static final Field<Duration> QUALITY_RETENTION =
      Field.ofDuration("feedback.quality.retention")
          .withDefault(Duration.ofHours(24))
          .withValidator(Validators.positive())
          .withDoc("How long quality windows stay queryable over HTTP.");
  static final Field<Double> CONFIRMATION_WEIGHT =
      Field.ofDouble("feedback.weight.confirmation")
          .withDefault(0.5)
          .withValidator(Validators.between(0.001, 1.0))
          .withDoc("Training weight of a label confirmed by a thumbs up.");
  static final Field<Double> CORRECTION_WEIGHT =
      Field.ofDouble("feedback.weight.correction")
          .withDefault(1.0)
          .withValidator(Validators.between(0.001, 1.0))
          .withDoc("Training weight of a corrected, submitted or thumbs-down-derived label.");
  static final Field<Duration> TRIGGER_CHECK_INTERVAL =
      Field.ofDuration("feedback.trigger.check.interval")
          .withDefault(Duration.ofSeconds(5))
          .withValidator(Validators.positive())
          .withDoc("How often requests held back by a cooldown are re-checked.");
  static final Field<Duration> START_TIMEOUT =
      Field.ofDuration("feedback.start.timeout")
          .withDefault(Duration.ofSeconds(120))
          .withValidator(Validators.positive())
          .withDoc("How long start-up may wait for Kafka Streams to reach RUNNING.");

  /** Every key the service reads. */
  public static final ConfigSpec SPEC =
      ConfigSpec.builder()
          .define(
              List.of(
                  MANAGEMENT_PORT,
                  MANAGEMENT_HOST,
                  HTTP_PORT,
                  HTTP_HOST,
                  API_KEYS,
                  TOPIC_PREFIX,
                  REGISTRY_URL,
                  APPLICATION_ID,
                  JOIN_WINDOW,
                  JOIN_GRACE,
                  QUALITY_WINDOW,
                  QUALITY_GRACE,
                  QUALITY_RETENTION,
                  CONFIRMATION_WEIGHT,
                  CORRECTION_WEIGHT,
                  TRIGGER_CHECK_INTERVAL,
                  START_TIMEOUT))
          .define(KafkaClients.FIELDS)
          .rejectUnknownUnder("feedback.")
          .build();

  /**
   * The configuration from validated values.
   *
   * @throws InvalidConfigException listing every problem (no bootstrap servers, settings that do
   *     not fit together)
   */
  public static FeedbackConfig from(Config config) {
    List<String> problems = new ArrayList<>();
    if (!config.kafka(ClientType.STREAMS).containsKey("bootstrap.servers")) {
      problems.add("kafka.bootstrap.servers: missing (set FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS)");
    }
    Duration window = config.get(JOIN_WINDOW);
    Duration grace = config.get(JOIN_GRACE);
    FeedbackSettings settings = null;
    try {
      settings =
          new FeedbackSettings(
              window,
              grace,
              window.plus(grace.multipliedBy(2)),
              config.get(QUALITY_WINDOW),
              config.get(QUALITY_GRACE),
              config.get(QUALITY_RETENTION),
              config.get(CONFIRMATION_WEIGHT).floatValue(),
              config.get(CORRECTION_WEIGHT).floatValue(),
              config.get(TRIGGER_CHECK_INTERVAL),
              false);
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
    }
    ApiKeys keys = null;
    try {
      keys = ApiKeys.parse(config.get(API_KEYS));
    } catch (IllegalArgumentException e) {
      problems.add(API_KEYS.name() + ": " + e.getMessage());
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    String prefix = config.get(TOPIC_PREFIX);
    Optional<String> applicationId = config.find(APPLICATION_ID);
    return new FeedbackConfig(
        config.get(MANAGEMENT_PORT),
        config.get(MANAGEMENT_HOST),
        config.get(HTTP_PORT),
        config.get(HTTP_HOST),
        keys,
        prefix,
        config.get(REGISTRY_URL),
        applicationId.orElse(prefix + "-feedback"),
        settings,
        config.get(START_TIMEOUT),
        new KafkaClients("feedback", config),
        config.get(KafkaClients.REPLICATION_FACTOR));
  }

  /** Reads the process environment (and the file FLYWHEEL_CONFIG_FILE names). */
  public static FeedbackConfig fromEnvironment() {
    return from(SPEC.loadFromEnvironment());
  }
}
