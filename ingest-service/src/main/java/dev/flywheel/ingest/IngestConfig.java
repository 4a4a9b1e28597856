package dev.flywheel.ingest;

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
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The ingest gateway's configuration, read from {@code FLYWHEEL_*} environment variables and an
 * optional properties file (see {@link #SPEC}); raw Kafka client settings pass through under {@code
 * kafka.}. {@code kafka.bootstrap.servers} is required.
 *
 * @param httpHost interface the API listens on
 * @param httpPort API port (0 picks a free one)
 * @param httpInstances API verticle instances, one event loop each, sharing the port (0: one per
 *     available processor)
 * @param managementPort port of /health and /metrics (0 picks a free one)
 * @param managementHost interface the management port binds (loopback by default)
 * @param topicPrefix installation prefix of every topic
 * @param registryUrl schema registry base URL
 * @param apiKeys accepted API keys, hashed
 * @param maxBodyBytes largest accepted request body (413 above)
 * @param maxBatchItems most items in one feedback or examples batch
 * @param rateLimitPerSecond average requests per second per app (429 above)
 * @param rateLimitBurst burst size of the per-app token bucket
 * @param maxInFlightRecords records sent to Kafka and not yet acknowledged, at most (503 above)
 * @param producerThreads threads of the bounded executor that hands records to the producer
 * @param producerQueue tasks that may wait for those threads (503 above)
 * @param retryAfter the Retry-After given with 503 answers
 * @param inferenceThreads threads of the bounded inference pool
 * @param inferenceQueue inference tasks that may wait (503 above)
 * @param servedModels models this gateway serves predictions for (empty: every released model)
 * @param artifactsUri the artifact store bundles are read from (empty: a {@code file:} URI's own
 *     directory)
 * @param kafka raw Kafka settings per client type
 * @param replicationFactor replication factor of topics the gateway creates (-1: broker default)
 * @param instanceId this process's name in client ids
 */
public record IngestConfig(
    String httpHost,
    int httpPort,
    int httpInstances,
    int managementPort,
    String managementHost,
    String topicPrefix,
    String registryUrl,
    ApiKeys apiKeys,
    long maxBodyBytes,
    int maxBatchItems,
    double rateLimitPerSecond,
    int rateLimitBurst,
    int maxInFlightRecords,
    int producerThreads,
    int producerQueue,
    Duration retryAfter,
    int inferenceThreads,
    int inferenceQueue,
    List<String> servedModels,
    Optional<String> artifactsUri,
    Map<ClientType, Map<String, Object>> kafka,
    int replicationFactor,
    String instanceId)
    implements ServiceConfig {

  static final Field<String> HTTP_HOST =
      Field.ofString("ingest.http.host")
          .withDefault("127.0.0.1")
          .withDoc(
              "Interface the app-facing API listens on: loopback by default, 0.0.0.0 to serve"
                  + " other machines (containers).");
  static final Field<Integer> HTTP_PORT =
      Field.ofInt("ingest.http.port")
          .withDefault(8080)
          .withValidator(Validators.between(0, 65535))
          .withDoc("Port of the app-facing API (0 picks a free port).");
  static final Field<Integer> HTTP_INSTANCES =
      Field.ofInt("ingest.http.instances")
          .withDefault(0)
          .withValidator(Validators.between(0, 64))
          .withDoc(
              "API server instances, one event loop each, sharing the port; 0 runs one per"
                  + " available processor.");
  static final Field<String> MANAGEMENT_HOST = SharedFields.MANAGEMENT_HOST;
  static final Field<Integer> MANAGEMENT_PORT =
      Field.ofInt("ingest.management.port")
          .withDefault(9080)
          .withValidator(Validators.between(0, 65535))
          .withDoc("Port of /health/live, /health/ready and /metrics (0 picks a free port).");
  static final Field<String> TOPIC_PREFIX = SharedFields.TOPICS_PREFIX;
  static final Field<String> REGISTRY_URL = SharedFields.SCHEMA_REGISTRY_URL;
  static final Field<List<String>> API_KEYS =
      Field.ofList("ingest.api.keys")
          .withValidator(Validators.notEmpty())
          .withDoc(
              "Accepted API keys as <app-id>:<app|admin>:<sha256-hex-of-key>, comma-separated;"
                  + " only hashes are configured.");
  static final Field<Long> MAX_BODY_BYTES =
      Field.ofLong("ingest.max.body.bytes")
          .withDefault(1024L * 1024)
          .withValidator(Validators.between(1024L, 64L * 1024 * 1024))
          .withDoc("Largest accepted request body in bytes (413 above).");
  static final Field<Integer> MAX_BATCH_ITEMS =
      Field.ofInt("ingest.max.batch.items")
          .withDefault(500)
          .withValidator(Validators.between(1, 500))
          .withDoc("Most items in one feedback or examples batch (the contract allows 500).");
  static final Field<Double> RATE_LIMIT =
      Field.ofDouble("ingest.rate.limit.per.second")
          .withDefault(500.0)
          .withValidator(Validators.between(0.001, 1e9))
          .withDoc("Average requests per second per app (429 with Retry-After above).");
  static final Field<Integer> RATE_BURST =
      Field.ofInt("ingest.rate.limit.burst")
          .withDefault(1000)
          .withValidator(Validators.atLeast(1))
          .withDoc("Burst size of each app's token bucket.");
  static final Field<Integer> MAX_IN_FLIGHT =
      Field.ofInt("ingest.producer.max.in.flight.records")
          .withDefault(20_000)
          .withValidator(Validators.atLeast(1))
          .withDoc("Records handed to Kafka and not yet acknowledged, at most (503 above).");
  static final Field<Integer> PRODUCER_THREADS =
      Field.ofInt("ingest.producer.threads")
          .withDefault(2)
          .withValidator(Validators.between(1, 64))
          .withDoc("Threads of the bounded executor that hands records to the producer.");
  static final Field<Integer> PRODUCER_QUEUE =
      Field.ofInt("ingest.producer.queue")
          .withDefault(1000)
          .withValidator(Validators.atLeast(1))
          .withDoc("Send tasks that may wait for a producer thread (503 above).");
  static final Field<Duration> RETRY_AFTER =
      Field.ofDuration("ingest.retry.after")
          .withDefault(Duration.ofSeconds(2))
          .withValidator(Validators.positive())
          .withDoc("Retry-After sent with 503 answers.");
  static final Field<Integer> INFERENCE_THREADS =
      Field.ofInt("ingest.inference.threads")
          .withDefault(2)
          .withValidator(Validators.between(1, 64))
          .withDoc("Threads of the bounded inference pool.");
  static final Field<Integer> INFERENCE_QUEUE =
      Field.ofInt("ingest.inference.queue")
          .withDefault(256)
          .withValidator(Validators.atLeast(1))
          .withDoc("Inference tasks that may wait for a thread (503 above).");
  static final Field<List<String>> SERVED_MODELS =
      Field.ofList("ingest.served.models")
          .withDefault(List.of())
          .withDoc("Models to serve predictions for; empty serves every released model.");

  static final Field<String> ARTIFACTS_URI = SharedFields.ARTIFACTS_URI;

  /** Every key the gateway reads. */
  public static final ConfigSpec SPEC =
      ConfigSpec.builder()
          .define(
              List.of(
                  HTTP_HOST,
                  HTTP_PORT,
                  HTTP_INSTANCES,
                  MANAGEMENT_PORT,
                  MANAGEMENT_HOST,
                  TOPIC_PREFIX,
                  REGISTRY_URL,
                  API_KEYS,
                  MAX_BODY_BYTES,
                  MAX_BATCH_ITEMS,
                  RATE_LIMIT,
                  RATE_BURST,
                  MAX_IN_FLIGHT,
                  PRODUCER_THREADS,
                  PRODUCER_QUEUE,
                  RETRY_AFTER,
                  INFERENCE_THREADS,
                  INFERENCE_QUEUE,
                  SERVED_MODELS,
                  ARTIFACTS_URI))
          .define(KafkaClients.FIELDS)
          .rejectUnknownUnder("ingest.")
          .build();

  public IngestConfig {
    servedModels = List.copyOf(servedModels);
    EnumMap<ClientType, Map<String, Object>> copy = new EnumMap<>(ClientType.class);
    kafka.forEach((type, settings) -> copy.put(type, Map.copyOf(settings)));
    kafka = Map.copyOf(copy);
  }

  /**
   * The configuration from validated values.
   *
   * @throws InvalidConfigException when the API keys are malformed or no bootstrap servers are set
   */
  public static IngestConfig from(Config config) {
    ApiKeys keys;
    try {
      keys = ApiKeys.parse(config.get(API_KEYS));
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(List.of(API_KEYS.name() + ": " + e.getMessage()));
    }
    Map<ClientType, Map<String, Object>> kafka = new EnumMap<>(ClientType.class);
    for (ClientType type : ClientType.values()) {
      kafka.put(type, config.kafka(type));
    }
    if (!kafka.get(ClientType.PRODUCER).containsKey("bootstrap.servers")) {
      throw new InvalidConfigException(
          List.of("kafka.bootstrap.servers: missing (set FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS)"));
    }
    return new IngestConfig(
        config.get(HTTP_HOST),
        config.get(HTTP_PORT),
        config.get(HTTP_INSTANCES),
        config.get(MANAGEMENT_PORT),
        config.get(MANAGEMENT_HOST),
        config.get(TOPIC_PREFIX),
        config.get(REGISTRY_URL),
        keys,
        config.get(MAX_BODY_BYTES),
        config.get(MAX_BATCH_ITEMS),
        config.get(RATE_LIMIT),
        config.get(RATE_BURST),
        config.get(MAX_IN_FLIGHT),
        config.get(PRODUCER_THREADS),
        config.get(PRODUCER_QUEUE),
        config.get(RETRY_AFTER),
        config.get(INFERENCE_THREADS),
        config.get(INFERENCE_QUEUE),
        config.get(SERVED_MODELS),
        config.find(ARTIFACTS_URI),
        kafka,
        config.get(KafkaClients.REPLICATION_FACTOR),
        config.get(KafkaClients.INSTANCE_ID));
  }

  /** Reads the process environment (and the file FLYWHEEL_CONFIG_FILE names). */
  public static IngestConfig fromEnvironment() {
    return from(SPEC.loadFromEnvironment());
  }

  /** The API instances to deploy: the configured count, or one per available processor. */
  int effectiveHttpInstances() {
    return httpInstances > 0
        ? httpInstances
        : Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /** The Kafka client factory of this configuration. */
  @Override
  public KafkaClients kafkaClients() {
    return new KafkaClients(
        "ingest",
        kafka,
        replicationFactor,
        Path.of(System.getProperty("java.io.tmpdir")),
        instanceId);
  }

  /** Never prints key hashes or Kafka secrets. */
  @Override
  public String toString() {
    return "IngestConfig[http="
        + httpHost
        + ":"
        + httpPort
        + ", management="
        + managementPort
        + ", topicPrefix="
        + topicPrefix
        + ", registry="
        + registryUrl
        + ", apiKeys="
        + apiKeys.size()
        + ", maxBodyBytes="
        + maxBodyBytes
        + ", maxBatchItems="
        + maxBatchItems
        + ", rateLimit="
        + rateLimitPerSecond
        + "/s burst "
        + rateLimitBurst
        + ", maxInFlightRecords="
        + maxInFlightRecords
        + ", servedModels="
        + (servedModels.isEmpty() ? "all" : servedModels)
        + "]";
  }
}
