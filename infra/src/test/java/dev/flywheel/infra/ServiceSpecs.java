package dev.flywheel.infra;

import dev.flywheel.common.config.ClientType;
import dev.flywheel.common.config.ConfigSpec;
import dev.flywheel.common.config.Field;
import dev.flywheel.evaluator.EvaluatorConfig;
import dev.flywheel.feedback.FeedbackConfig;
import dev.flywheel.ingest.IngestConfig;
import dev.flywheel.trainer.TrainerConfig;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The four services as the deployment files must see them: the configuration keys each really reads
 * (its {@code ConfigSpec}, the same object it loads its environment with), and its ports.
 */
enum ServiceSpecs {
  INGEST("ingest", IngestConfig.SPEC, "ingest.http.port"),
  FEEDBACK("feedback", FeedbackConfig.SPEC, "feedback.http.port"),
  TRAINER("trainer", TrainerConfig.SPEC, null),
  EVALUATOR("evaluator", EvaluatorConfig.SPEC, null);

  /** Variables every service reads besides its fields: the properties file's name. */
  private static final Set<String> COMMON_ENV = Set.of(ConfigSpec.CONFIG_FILE_ENV);

  /** Variables the images' entrypoint reads (not Flywheel configuration). */
  static final Set<String> LAUNCHER_ENV = Set.of("JAVA_OPTS");

  private static final Set<String> KAFKA_CLIENT_KEYS = kafkaClientKeys();

  private final String service;
  private final ConfigSpec spec;
  private final String httpPortKey;

  ServiceSpecs(String service, ConfigSpec spec, String httpPortKey) {
    this.service = service;
    this.spec = spec;
    this.httpPortKey = httpPortKey;
  }

  /** The name {@code flywheel service <name>} takes. */
  String service() {
    return service;
  }

  static ServiceSpecs of(String service) {
    return Arrays.stream(values())
        .filter(s -> s.service.equals(service))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no Flywheel service named " + service));
  }

  /** Why {@code variable} is not configuration this service reads; empty when it is. */
  Optional<String> problemWith(String variable) {
    if (LAUNCHER_ENV.contains(variable) || COMMON_ENV.contains(variable)) {
      return Optional.empty();
    }
    if (!variable.startsWith(Field.ENV_PREFIX)) {
      return Optional.of(variable + " is not a FLYWHEEL_* variable");
    }
    if (spec.fields().stream().anyMatch(f -> f.envName().equals(variable))) {
      return Optional.empty();
    }
    String kafkaPrefix = Field.ENV_PREFIX + "KAFKA_";
    if (variable.startsWith(kafkaPrefix)) {
      String key =
          variable.substring(kafkaPrefix.length()).toLowerCase(Locale.ROOT).replace('_', '.');
      for (ClientType type : ClientType.values()) {
        String scope = type.prefix().substring(ClientType.ALL_PREFIX.length());
        if (key.startsWith(scope)) {
          key = key.substring(scope.length());
          break;
        }
      }
      return KAFKA_CLIENT_KEYS.contains(key)
          ? Optional.empty()
          : Optional.of(variable + " passes '" + key + "' to Kafka, which no Kafka client knows");
    }
    return Optional.of(variable + " is no key of the " + service + " service's ConfigSpec");
  }

  /** The management port with these variables set (the variable, else the field's default). */
  int managementPort(Map<String, String> env) {
    return port(service + ".management.port", env);
  }

  /** The app-facing HTTP port, if the service has one. */
  Optional<Integer> httpPort(Map<String, String> env) {
    return Optional.ofNullable(httpPortKey).map(key -> port(key, env));
  }

  /** The environment variable of the management port. */
  String managementPortVariable() {
    return Field.envName(service + ".management.port");
  }

  private int port(String key, Map<String, String> env) {
    Field<?> field =
        spec.fields().stream()
            .filter(f -> f.name().equals(key))
            .findFirst()
            .orElseThrow(() -> new AssertionError(service + " defines no key " + key));
    String value = env.get(field.envName());
    if (value != null) {
      return Integer.parseInt(value.trim());
    }
    return ((Number) field.defaultValue().orElseThrow()).intValue();
  }

  private static Set<String> kafkaClientKeys() {
    Set<String> keys = new HashSet<>();
    keys.addAll(ProducerConfig.configNames());
    keys.addAll(ConsumerConfig.configNames());
    keys.addAll(AdminClientConfig.configNames());
    keys.addAll(StreamsConfig.configDef().names());
    return Set.copyOf(keys);
  }
}
