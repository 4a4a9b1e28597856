package dev.flywheel.schemas;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigException;

/**
 * The client properties the Avro serdes read in {@code configure()}: Confluent's names, so that a
 * standard client configuration works unchanged, plus three of our own for timeouts and retries.
 */
public final class AvroSerdeConfig {
  public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
  public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
  public static final String SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO =
      "schema.registry.basic.auth.user.info";
  public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
  public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
  public static final String SPECIFIC_AVRO_VALUE_TYPE = "specific.avro.value.type";
  public static final String SPECIFIC_AVRO_KEY_TYPE = "specific.avro.key.type";
  public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";
  public static final String MAX_RETRIES = "schema.registry.max.retries";
  public static final String RETRY_BACKOFF_MS = "schema.registry.retry.backoff.ms";

  private AvroSerdeConfig() {}

  /** The registry settings in {@code configs}; fails when {@code schema.registry.url} is absent. */
  public static RegistryConfig registryConfig(Map<String, ?> configs) {
    String url = string(configs, SCHEMA_REGISTRY_URL).orElse(null);
    if (url == null || url.isBlank()) {
      throw new ConfigException(SCHEMA_REGISTRY_URL, url, "the schema registry URL is required");
    }
    String source = string(configs, BASIC_AUTH_CREDENTIALS_SOURCE).orElse("USER_INFO");
    Optional<String> userInfo =
        string(configs, BASIC_AUTH_USER_INFO)
            .or(() -> string(configs, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO))
            .filter(s -> !s.isBlank());
    if ("URL".equalsIgnoreCase(source)) {
      userInfo = userInfoOfUrl(url);
      url = url.replaceFirst("//[^/@]*@", "//");
    } else if (!"USER_INFO".equalsIgnoreCase(source)) {
      throw new ConfigException(
          BASIC_AUTH_CREDENTIALS_SOURCE, source, "supported sources are USER_INFO and URL");
    }
    Duration timeout =
        Duration.ofMillis(
            number(configs, REQUEST_TIMEOUT_MS, RegistryConfig.DEFAULT_REQUEST_TIMEOUT.toMillis()));
    int retries = (int) number(configs, MAX_RETRIES, RegistryConfig.DEFAULT_MAX_RETRIES);
    Duration backoff =
        Duration.ofMillis(
            number(configs, RETRY_BACKOFF_MS, RegistryConfig.DEFAULT_RETRY_BACKOFF.toMillis()));
    return new RegistryConfig(url, userInfo, timeout, retries, backoff);
  }

  /** {@code auto.register.schemas}, true unless set to false. */
  public static boolean autoRegister(Map<String, ?> configs) {
    Object value = configs.get(AUTO_REGISTER_SCHEMAS);
    if (value == null) {
      return true;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    String text = value.toString().trim();
    if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
      throw new ConfigException(AUTO_REGISTER_SCHEMAS, value, "must be true or false");
    }
    return Boolean.parseBoolean(text);
  }

  /**
   * The specific record class named by {@code specific.avro.key.type} / {@code
   * specific.avro.value.type}, if set.
   */
  public static Optional<Class<?>> recordClass(Map<String, ?> configs, boolean isKey) {
    String key = isKey ? SPECIFIC_AVRO_KEY_TYPE : SPECIFIC_AVRO_VALUE_TYPE;
    Object value = configs.get(key);
    if (value == null) {
      return Optional.empty();
    }
    if (value instanceof Class<?> c) {
      return Optional.of(c);
    }
    try {
      return Optional.of(
          Class.forName(
              value.toString().trim(), true, Thread.currentThread().getContextClassLoader()));
    } catch (ClassNotFoundException e) {
      throw new ConfigException(key, value, "class not found");
    }
  }

  private static Optional<String> string(Map<String, ?> configs, String key) {
    Object value = configs.get(key);
    if (value == null) {
      return Optional.empty();
    }
    if (value instanceof Collection<?> list) {
      return Optional.of(String.join(",", list.stream().map(Object::toString).toList()));
    }
    return Optional.of(value.toString().trim());
  }

  private static long number(Map<String, ?> configs, String key, long defaultValue) {
    Object value = configs.get(key);
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof Number n) {
      return n.longValue();
    }
    try {
      return Long.parseLong(value.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key, value, "must be a whole number");
    }
  }

  private static Optional<String> userInfoOfUrl(String url) {
    int scheme = url.indexOf("//");
    int at = url.indexOf('@');
    if (scheme < 0 || at < scheme) {
      return Optional.empty();
    }
    return Optional.of(url.substring(scheme + 2, at));
  }
}
