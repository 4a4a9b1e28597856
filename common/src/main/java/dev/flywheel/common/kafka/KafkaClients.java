package dev.flywheel.common.kafka;

import dev.flywheel.common.config.ClientType;
import dev.flywheel.common.config.Config;
import dev.flywheel.common.config.Field;
import dev.flywheel.common.config.Validators;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Creates the Kafka clients of one service with Flywheel's defaults: a durable producer (acks=all,
 * idempotent), a transactional producer, a read_committed consumer without auto commit, an admin
 * client, and exactly-once-v2 Kafka Streams properties. Precedence, lowest first: these defaults,
 * then the raw {@code kafka.*} / {@code kafka.<client>.*} settings from configuration, then the
 * identities passed to the method (group id, transactional id, application id).
 *
 * <p>Client ids read {@code flywheel-<service>-<role>-<instance>}, with {@code -2}, {@code -3}, ...
 * for further clients of the same role, so every client of a process is distinguishable in broker
 * logs, quotas and metrics.
 */
public final class KafkaClients {
  /**
   * The group session timeout of Flywheel's consumers and Kafka Streams, 10 s instead of Kafka's 45
   * s. A member killed without leaving (kill -9, a lost node) holds its partitions until its
   * session runs out: a killed trainer worker's request waited 47.5 s for the other worker, and
   * {@code flywheel up} restarted after kill -9 in 61.6 s, 44.7 s of it waiting for its own dead
   * member (bench/cluster/README.md). Heartbeats come from a background thread every 3 s, so a long
   * training step or evaluation does not end a session. Pass-through settings override it.
   */
  static final int SESSION_TIMEOUT_MS = 10_000;

  /** Replication factor of topics that Flywheel and Kafka Streams create; -1 = broker default. */
  public static final Field<Integer> REPLICATION_FACTOR =
      Field.ofInt("topics.replication.factor")
          .withDefault(-1)
          .withValidator(
              value ->
                  value == -1 || (value >= 1 && value <= Short.MAX_VALUE)
                      ? Optional.empty()
                      : Optional.of("must be -1 (broker default) or at least 1"))
          .withDoc(
              "Replication factor of the topics Flywheel and Kafka Streams create; -1 uses the"
                  + " broker default.");

  /** Where Kafka Streams keeps its local state. */
  public static final Field<String> STATE_DIR =
      Field.ofString("streams.state.dir")
          .withDefault(Path.of(System.getProperty("java.io.tmpdir"), "flywheel-state").toString())
          .withValidator(Validators.notBlank())
          .withDoc("Directory of Kafka Streams state stores.");

  /** Distinguishes processes of one service in client ids. */
  public static final Field<String> INSTANCE_ID =
      Field.ofString("instance.id")
          .withDefault("0")
          .withValidator(Validators.matches("[A-Za-z0-9._-]+"))
          .withDoc("This process's name within its service, used in Kafka client ids.");

  /** The shared fields every service adds to its {@code ConfigSpec}. */
  public static final List<Field<?>> FIELDS = List.of(REPLICATION_FACTOR, STATE_DIR, INSTANCE_ID);

  private final String service;
  private final Map<ClientType, Map<String, Object>> passThrough;
  private final int replicationFactor;
  private final Path stateDir;
  private final String instanceId;
  private final Map<String, AtomicInteger> sequences = new ConcurrentHashMap<>();

  /**
   * Clients for {@code service} (e.g. {@code "ingest"}) from a configuration whose spec declared
   * {@link #FIELDS}.
   */
  public KafkaClients(String service, Config config) {
    this(
        service,
        Map.of(
            ClientType.PRODUCER, config.kafka(ClientType.PRODUCER),
            ClientType.CONSUMER, config.kafka(ClientType.CONSUMER),
            ClientType.STREAMS, config.kafka(ClientType.STREAMS),
            ClientType.ADMIN, config.kafka(ClientType.ADMIN)),
        config.get(REPLICATION_FACTOR),
        Path.of(config.get(STATE_DIR)),
        config.get(INSTANCE_ID));
  }

  /** Clients from explicit settings per client type (tests, the all-in-one process). */
  public KafkaClients(
      String service,
      Map<ClientType, Map<String, Object>> passThrough,
      int replicationFactor,
      Path stateDir,
      String instanceId) {
    this.service = Objects.requireNonNull(service, "service");
    this.passThrough = Map.copyOf(passThrough);
    this.replicationFactor = replicationFactor;
    this.stateDir = Objects.requireNonNull(stateDir, "stateDir");
    this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
  }

  /** The settings of a durable producer for {@code role} (e.g. {@code "feedback"}). */
  public Map<String, Object> producerConfig(String role) {
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    props.putAll(settings(ClientType.PRODUCER));
    props.putIfAbsent(CommonClientConfigs.CLIENT_ID_CONFIG, clientId(role));
    return props;
  }

  /** The settings of a transactional producer with the given {@code transactional.id}. */
  public Map<String, Object> transactionalProducerConfig(String role, String transactionalId) {
    Map<String, Object> props = producerConfig(role);
    props.put(
        ProducerConfig.TRANSACTIONAL_ID_CONFIG, requireText(transactionalId, "transactionalId"));
    return props;
  }

  /** The settings of a read_committed consumer in {@code groupId} with manual commits. */
  public Map<String, Object> consumerConfig(String role, String groupId) {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
    props.putAll(settings(ClientType.CONSUMER));
    props.putIfAbsent(CommonClientConfigs.CLIENT_ID_CONFIG, clientId(role));
    props.put(ConsumerConfig.GROUP_ID_CONFIG, requireText(groupId, "groupId"));
    return props;
  }

  /** The settings of an admin client. */
  public Map<String, Object> adminConfig(String role) {
    Map<String, Object> props = new HashMap<>();
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    props.putAll(settings(ClientType.ADMIN));
    props.putIfAbsent(CommonClientConfigs.CLIENT_ID_CONFIG, clientId(role));
    return props;
  }

  /**
   * Kafka Streams properties: exactly_once_v2, the configured replication factor and a state
   * directory per application, then pass-through settings, then {@code applicationId}.
   */
  public Properties streamsConfig(String applicationId) {
    Properties props = new Properties();
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, replicationFactor);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.CLIENT_ID_CONFIG, clientId("streams"));
    props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
    props.putAll(settings(ClientType.STREAMS));
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, requireText(applicationId, "applicationId"));
    return props;
  }

  /** A durable producer. */
  public <K, V> KafkaProducer<K, V> producer(
      String role, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
    return new KafkaProducer<>(producerConfig(role), keySerializer, valueSerializer);
  }

  /** A transactional producer; the caller runs {@code initTransactions()}. */
  public <K, V> KafkaProducer<K, V> transactionalProducer(
      String role,
      String transactionalId,
      Serializer<K> keySerializer,
      Serializer<V> valueSerializer) {
    return new KafkaProducer<>(
        transactionalProducerConfig(role, transactionalId), keySerializer, valueSerializer);
  }

  /** A read_committed consumer in {@code groupId}. */
  public <K, V> KafkaConsumer<K, V> consumer(
      String role,
      String groupId,
      Deserializer<K> keyDeserializer,
      Deserializer<V> valueDeserializer) {
    return new KafkaConsumer<>(consumerConfig(role, groupId), keyDeserializer, valueDeserializer);
  }

  /** An admin client. */
  public Admin admin(String role) {
    return Admin.create(adminConfig(role));
  }

  /** The configured replication factor (-1 = broker default), for topic creation. */
  public int replicationFactor() {
    return replicationFactor;
  }

  private Map<String, Object> settings(ClientType type) {
    return passThrough.getOrDefault(type, Map.of());
  }

  private String clientId(String role) {
    // Two clients with one id clash on JMX registration; a sequence per role keeps them apart.
    requireText(role, "role");
    int n = sequences.computeIfAbsent(role, r -> new AtomicInteger()).incrementAndGet();
    String base = "flywheel-" + service + "-" + role + "-" + instanceId;
    return n == 1 ? base : base + "-" + n;
  }

  private static String requireText(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
    return value;
  }
}
