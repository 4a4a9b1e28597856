package dev.flywheel.trainer;

import dev.flywheel.common.config.Config;
import dev.flywheel.common.config.ConfigSpec;
import dev.flywheel.common.config.Field;
import dev.flywheel.common.config.SharedFields;
import dev.flywheel.common.config.Validators;
import dev.flywheel.common.kafka.KafkaClients;
import dev.flywheel.common.service.ServiceConfig;
import dev.flywheel.slm.DevicePreference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The trainer service's configuration, read from {@code FLYWHEEL_*} environment variables and an
 * optional properties file ({@link ConfigSpec}); raw Kafka client settings pass through under
 * {@code kafka.*} (e.g. {@code FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS}). {@link #SPEC} lists every key.
 *
 * @param kafkaClients Kafka clients with the pass-through settings
 * @param topicPrefix installation prefix of every topic name
 * @param registryUrl schema registry base URL
 * @param managementPort port of health and metrics (0 picks a free one)
 * @param managementHost interface the management port binds (loopback by default)
 * @param groupId consumer group of the workers on the retrain-requests topic
 * @param instanceId this process's name within the service (worker ids and transactional ids)
 * @param workers training workers (consumers in the group) in this process
 * @param artifactStore root URI of the artifact store for bundles and checkpoints ({@code
 *     file:/var/lib/flywheel/artifacts}, a plain path, or a scheme an {@code slm} store provider
 *     serves)
 * @param workDir local scratch directory for checkpoint files during a run
 * @param device where to train: auto (GPU when present), cpu or gpu
 * @param minExamples fewest usable training examples a run accepts
 * @param maxAttempts attempts of a request with a retryable failure before it is dead-lettered
 * @param retryBackoff wait before a failed request is tried again
 * @param progressInterval least time between two progress events within an epoch
 * @param shutdownTimeout how long closing waits for the current epoch (then its checkpoint) to end
 * @param readTimeout how long reading a snapshot or a view (specs, releases, outcomes) may take
 */
public record TrainerConfig(
    KafkaClients kafkaClients,
    String topicPrefix,
    String registryUrl,
    int managementPort,
    String managementHost,
    String groupId,
    String instanceId,
    int workers,
    String artifactStore,
    Path workDir,
    DevicePreference device,
    int minExamples,
    int maxAttempts,
    Duration retryBackoff,
    Duration progressInterval,
    Duration shutdownTimeout,
    Duration readTimeout)
    implements ServiceConfig {

  static final Field<String> TOPIC_PREFIX = SharedFields.TOPICS_PREFIX;
  static final Field<String> REGISTRY_URL = SharedFields.SCHEMA_REGISTRY_URL;
  static final Field<String> MANAGEMENT_HOST = SharedFields.MANAGEMENT_HOST;
  static final Field<Integer> MANAGEMENT_PORT =
      Field.ofInt("trainer.management.port")
          .withDefault(8083)
          .withValidator(Validators.between(0, 65535))
          .withDoc("Port of /health/live, /health/ready and /metrics (0 picks a free port).");
  static final Field<String> GROUP_ID =
      Field.ofString("trainer.group.id")
          .optional()
          .withDoc("Consumer group of the workers; default <topics.prefix>-trainer.");
  static final Field<Integer> WORKERS =
      Field.ofInt("trainer.workers")
          .withDefault(1)
          .withValidator(Validators.between(1, 64))
          .withDoc(
              "Workers (group members) in this process. DJL trains one model at a time per"
                  + " process, so for parallel training run more processes, not more workers.");

  /** Shared with the evaluator and the gateway, which read what the trainer writes there. */
  static final Field<String> ARTIFACT_STORE = SharedFields.ARTIFACTS_URI;

  /** Where bundles and checkpoints go when {@code artifacts.uri} is unset. */
  static final String DEFAULT_ARTIFACT_STORE =
      Path.of(System.getProperty("java.io.tmpdir"), "flywheel-artifacts").toUri().toString();

  static final Field<String> WORK_DIR =
      Field.ofString("trainer.work.dir")
          .withDefault(Path.of(System.getProperty("java.io.tmpdir"), "flywheel-trainer").toString())
          .withValidator(Validators.notBlank())
          .withDoc("Local scratch directory for checkpoint files while a run trains.");
  static final Field<String> DEVICE =
      Field.ofString("trainer.device")
          .withDefault("auto")
          .withValidator(Validators.oneOf("auto", "cpu", "gpu"))
          .withDoc("Where to train: auto (a GPU when the engine sees one), cpu or gpu.");
  static final Field<Integer> MIN_EXAMPLES =
      Field.ofInt("trainer.min.examples")
          .withDefault(20)
          .withValidator(Validators.atLeast(1))
          .withDoc("Fewest usable training examples a run accepts (else TOO_FEW_EXAMPLES).");
  static final Field<Integer> MAX_ATTEMPTS =
      Field.ofInt("trainer.max.attempts")
          .withDefault(3)
          .withValidator(Validators.between(1, 100))
          .withDoc("Attempts of a request whose failure may pass before it is dead-lettered.");
  static final Field<Duration> RETRY_BACKOFF =
      Field.ofDuration("trainer.retry.backoff")
          .withDefault(Duration.ofSeconds(5))
          .withDoc("Wait before a request whose run failed is tried again.");
  static final Field<Duration> PROGRESS_INTERVAL =
      Field.ofDuration("trainer.progress.interval")
          .withDefault(Duration.ofSeconds(5))
          .withValidator(Validators.positive())
          .withDoc("Least time between two progress events within an epoch.");
  static final Field<Duration> SHUTDOWN_TIMEOUT =
      Field.ofDuration("trainer.shutdown.timeout")
          .withDefault(Duration.ofSeconds(60))
          .withValidator(Validators.positive())
          .withDoc("How long closing waits for the current epoch to end and be checkpointed.");
  static final Field<Duration> READ_TIMEOUT =
      Field.ofDuration("trainer.read.timeout")
          .withDefault(Duration.ofMinutes(2))
          .withValidator(Validators.positive())
          .withDoc("How long reading the examples snapshot or a view of specs/releases may take.");

  /** Every key the trainer reads. */
  public static final ConfigSpec SPEC =
      ConfigSpec.builder()
          .define(KafkaClients.FIELDS)
          .define(TOPIC_PREFIX)
          .define(REGISTRY_URL)
          .define(MANAGEMENT_PORT)
          .define(MANAGEMENT_HOST)
          .define(GROUP_ID)
          .define(WORKERS)
          .define(ARTIFACT_STORE)
          .define(WORK_DIR)
          .define(DEVICE)
          .define(MIN_EXAMPLES)
          .define(MAX_ATTEMPTS)
          .define(RETRY_BACKOFF)
          .define(PROGRESS_INTERVAL)
          .define(SHUTDOWN_TIMEOUT)
          .define(READ_TIMEOUT)
          .rejectUnknownUnder("trainer.")
          .build();

  public TrainerConfig {
    Objects.requireNonNull(kafkaClients, "kafkaClients");
    Objects.requireNonNull(topicPrefix, "topicPrefix");
    Objects.requireNonNull(registryUrl, "registryUrl");
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(instanceId, "instanceId");
    Objects.requireNonNull(artifactStore, "artifactStore");
    Objects.requireNonNull(workDir, "workDir");
    Objects.requireNonNull(device, "device");
  }

  /** The configuration of this process ({@code FLYWHEEL_*} and the optional properties file). */
  public static TrainerConfig fromEnvironment() {
    return from(SPEC.loadFromEnvironment());
  }

  /**
   * The configuration from explicit {@code FLYWHEEL_*} variables (tests, the all-in-one process).
   *
   * @throws dev.flywheel.common.config.InvalidConfigException listing every problem
   */
  public static TrainerConfig fromEnv(Map<String, String> env) {
    return from(SPEC.parse(env, Map.of()));
  }

  static TrainerConfig from(Config config) {
    String prefix = config.get(TOPIC_PREFIX);
    return new TrainerConfig(
        new KafkaClients("trainer", config),
        prefix,
        config.get(REGISTRY_URL),
        config.get(MANAGEMENT_PORT),
        config.get(MANAGEMENT_HOST),
        config.find(GROUP_ID).orElse(prefix + "-trainer"),
        config.get(KafkaClients.INSTANCE_ID),
        config.get(WORKERS),
        config.find(ARTIFACT_STORE).orElse(DEFAULT_ARTIFACT_STORE),
        Path.of(config.get(WORK_DIR)),
        DevicePreference.valueOf(config.get(DEVICE).toUpperCase(Locale.ROOT)),
        config.get(MIN_EXAMPLES),
        config.get(MAX_ATTEMPTS),
        config.get(RETRY_BACKOFF),
        config.get(PROGRESS_INTERVAL),
        config.get(SHUTDOWN_TIMEOUT),
        config.get(READ_TIMEOUT));
  }

  /** This configuration with another number of workers. */
  public TrainerConfig withWorkers(int count) {
    return new TrainerConfig(
        kafkaClients,
        topicPrefix,
        registryUrl,
        managementPort,
        managementHost,
        groupId,
        instanceId,
        count,
        artifactStore,
        workDir,
        device,
        minExamples,
        maxAttempts,
        retryBackoff,
        progressInterval,
        shutdownTimeout,
        readTimeout);
  }
}
