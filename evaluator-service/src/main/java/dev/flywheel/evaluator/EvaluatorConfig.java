package dev.flywheel.evaluator;

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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluator's configuration, read from {@code FLYWHEEL_*} environment variables and an optional
 * properties file; raw Kafka settings pass through under {@code kafka.} ({@code
 * FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS}, ...).
 *
 * @param registryUrl schema registry URL
 * @param topicPrefix prefix of every topic name
 * @param groupId consumer group of the candidate and release-request consumer
 * @param managementPort port of the management HTTP server (0 picks a free one)
 * @param managementHost interface the management port binds (loopback by default)
 * @param latencySamples single-example inferences timed for the latency budget
 * @param artifactsUri root of the artifact store ({@code artifacts.uri}), when bundles are read
 *     through one
 * @param stateTimeout how long reading a topic to its end (start-up, snapshots) may take
 * @param config the whole configuration, for the Kafka client factories
 */
public record EvaluatorConfig(
    String registryUrl,
    String topicPrefix,
    String groupId,
    int managementPort,
    String managementHost,
    int latencySamples,
    Optional<String> artifactsUri,
    Duration stateTimeout,
    Config config)
    implements ServiceConfig {

  private static final Logger LOG = LoggerFactory.getLogger(EvaluatorConfig.class);

  static final Field<String> REGISTRY_URL = SharedFields.SCHEMA_REGISTRY_URL;
  static final Field<String> TOPIC_PREFIX = SharedFields.TOPICS_PREFIX;
  static final Field<String> GROUP_ID =
      Field.ofString("evaluator.group.id")
          .withDefault("flywheel-evaluator")
          .withValidator(Validators.notBlank())
          .withDoc("Consumer group that consumes candidates and release requests.");
  static final Field<String> MANAGEMENT_HOST = SharedFields.MANAGEMENT_HOST;
  static final Field<Integer> MANAGEMENT_PORT =
      Field.ofInt("evaluator.management.port")
          .withDefault(8084)
          .withValidator(Validators.between(0, 65535))
          .withDoc("Port of /health/live, /health/ready and /metrics; 0 picks a free port.");
  static final Field<Integer> LATENCY_SAMPLES =
      Field.ofInt("evaluator.latency.samples")
          .withDefault(200)
          .withValidator(Validators.between(1, 1_000_000))
          .withDoc("Single-example inferences timed to measure the candidate's p50/p95 latency.");
  static final Field<String> ARTIFACTS_URI = SharedFields.ARTIFACTS_URI;

  /**
   * The evaluator's old name of {@code artifacts.uri}, read (with a warning) when that is unset.
   */
  static final Field<String> DEPRECATED_ARTIFACTS_ROOT =
      Field.ofString("evaluator.artifacts.root")
          .optional()
          .withDoc("Deprecated: use artifacts.uri (read only when artifacts.uri is unset).");

  static final Field<Duration> STATE_TIMEOUT =
      Field.ofDuration("evaluator.state.timeout")
          .withDefault(Duration.ofSeconds(60))
          .withValidator(Validators.positive())
          .withDoc("How long reading a topic up to its end (start-up state, snapshots) may take.");

  /** Every key the evaluator understands. */
  public static final ConfigSpec SPEC =
      ConfigSpec.builder()
          .define(
              List.of(
                  REGISTRY_URL,
                  TOPIC_PREFIX,
                  GROUP_ID,
                  MANAGEMENT_PORT,
                  MANAGEMENT_HOST,
                  LATENCY_SAMPLES,
                  ARTIFACTS_URI,
                  DEPRECATED_ARTIFACTS_ROOT,
                  STATE_TIMEOUT))
          .define(KafkaClients.FIELDS)
          .build();

  /** Checks the fields are present. */
  public EvaluatorConfig {
    Objects.requireNonNull(registryUrl, "registryUrl");
    Objects.requireNonNull(topicPrefix, "topicPrefix");
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(artifactsUri, "artifactsUri");
    Objects.requireNonNull(stateTimeout, "stateTimeout");
    Objects.requireNonNull(config, "config");
  }

  /** Reads the configuration of this process ({@code FLYWHEEL_*} and the optional file). */
  public static EvaluatorConfig fromEnvironment() {
    return from(SPEC.loadFromEnvironment());
  }

  /**
   * The evaluator configuration from explicit sources (tests, the all-in-one process).
   *
   * @throws InvalidConfigException listing every problem
   */
  public static EvaluatorConfig from(Map<String, String> env, Map<String, String> file) {
    return from(SPEC.parse(env, file));
  }

  /**
   * The evaluator configuration from validated values.
   *
   * @throws InvalidConfigException when no bootstrap servers are set
   */
  public static EvaluatorConfig from(Config config) {
    Object bootstrap = config.kafka(ClientType.CONSUMER).get("bootstrap.servers");
    if (bootstrap == null || bootstrap.toString().isBlank()) {
      throw new InvalidConfigException(
          List.of(
              "kafka.bootstrap.servers: missing (set FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS or"
                  + " kafka.bootstrap.servers in the properties file)"));
    }
    return new EvaluatorConfig(
        config.get(REGISTRY_URL),
        config.get(TOPIC_PREFIX),
        config.get(GROUP_ID),
        config.get(MANAGEMENT_PORT),
        config.get(MANAGEMENT_HOST),
        config.get(LATENCY_SAMPLES),
        artifactsUri(config),
        config.get(STATE_TIMEOUT),
        config);
  }

  /** The Kafka client factories of the evaluator. */
  @Override
  public KafkaClients kafkaClients() {
    return new KafkaClients("evaluator", config);
  }

  /** Creating the topics at start may take as long as reading them. */
  @Override
  public Duration topicsTimeout() {
    return stateTimeout;
  }

  private static Optional<String> artifactsUri(Config config) {
    Optional<String> uri = config.find(ARTIFACTS_URI);
    Optional<String> old = config.find(DEPRECATED_ARTIFACTS_ROOT);
    if (old.isPresent()) {
      LOG.warn(
          "{} is deprecated: set {} instead{}",
          DEPRECATED_ARTIFACTS_ROOT.envName(),
          ARTIFACTS_URI.envName(),
          uri.isPresent() ? " (it is set, so the old one is ignored)" : "");
    }
    return uri.isPresent() ? uri : old;
  }

  /** This process's name within the service. */
  String instanceId() {
    return config.get(KafkaClients.INSTANCE_ID);
  }
}
