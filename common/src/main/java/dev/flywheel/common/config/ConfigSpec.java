package dev.flywheel.common.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The set of configuration keys a service understands. {@link #load(Map)} reads them from {@code
 * FLYWHEEL_*} environment variables overlaid on an optional properties file (the environment wins),
 * collects raw Kafka client settings under {@code kafka.} prefixes, and either returns a {@link
 * Config} or throws one {@link InvalidConfigException} naming every problem.
 */
public final class ConfigSpec {
  /** Environment variable that names the optional properties file. */
  public static final String CONFIG_FILE_ENV = "FLYWHEEL_CONFIG_FILE";

  private static final String KAFKA_ENV_PREFIX = Field.ENV_PREFIX + "KAFKA_";

  private final Map<String, Field<?>> fields;
  private final List<String> strictPrefixes;

  private ConfigSpec(Map<String, Field<?>> fields, List<String> strictPrefixes) {
    this.fields = fields;
    this.strictPrefixes = strictPrefixes;
  }

  /** Starts a spec. */
  public static Builder builder() {
    return new Builder();
  }

  /** The declared fields in declaration order. */
  public Collection<Field<?>> fields() {
    return fields.values();
  }

  /**
   * Reads the configuration from the process environment and the properties file that {@code
   * FLYWHEEL_CONFIG_FILE} names, if any.
   */
  public Config loadFromEnvironment() {
    return load(System.getenv());
  }

  /**
   * Reads the configuration from {@code env} and the properties file that {@code
   * env[FLYWHEEL_CONFIG_FILE]} names, if any.
   *
   * @throws InvalidConfigException listing every missing, malformed or invalid value
   */
  public Config load(Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    Map<String, String> file = Map.of();
    String fileName = env.get(CONFIG_FILE_ENV);
    if (fileName != null && !fileName.isBlank()) {
      Path path = Path.of(fileName.trim());
      try {
        file = readProperties(path);
      } catch (IOException e) {
        problems.add(CONFIG_FILE_ENV + ": cannot read properties file " + path + ": " + e);
      }
    }
    return parse(env, file, problems);
  }

  /**
   * Builds a configuration from explicit sources: environment variables ({@code FLYWHEEL_*}) and
   * file properties (dotted keys). The environment wins.
   *
   * @throws InvalidConfigException listing every missing, malformed or invalid value
   */
  public Config parse(Map<String, String> env, Map<String, String> fileProperties) {
    return parse(env, fileProperties, new ArrayList<>());
  }

  /** Reads a properties file (UTF-8) into a map. */
  public static Map<String, String> readProperties(Path path) throws IOException {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      properties.load(reader);
    }
    Map<String, String> map = new TreeMap<>();
    properties.stringPropertyNames().forEach(k -> map.put(k, properties.getProperty(k)));
    return map;
  }

  /** A Markdown table of every key: name, environment variable, type, default, doc. */
  public String describe() {
    StringBuilder table =
        new StringBuilder("| key | environment | type | default | description |\n")
            .append("|---|---|---|---|---|\n");
    for (Field<?> field : fields.values()) {
      String def =
          field
              .defaultValue()
              .map(v -> field.secret() ? Secret.MASK : String.valueOf(v))
              .orElse(field.required() ? "(required)" : "");
      table
          .append("| `")
          .append(field.name())
          .append("` | `")
          .append(field.envName())
          .append("` | ")
          .append(field.type().label())
          .append(" | ")
          .append(def)
          .append(" | ")
          .append(field.doc())
          .append(" |\n");
    }
    return table.toString();
  }

  private Config parse(
      Map<String, String> env, Map<String, String> fileProperties, List<String> problems) {
    Map<String, Config.Entry> values = new LinkedHashMap<>();
    for (Field<?> field : fields.values()) {
      read(field, env, fileProperties, problems).ifPresent(e -> values.put(field.name(), e));
    }
    Map<String, Config.Entry> kafka = passThrough(env, fileProperties, problems);
    checkUnknownKeys(env, fileProperties, problems);
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    return new Config(fields, values, kafka);
  }

  private static <T> Optional<Config.Entry> read(
      Field<T> field, Map<String, String> env, Map<String, String> file, List<String> problems) {
    String raw = env.get(field.envName());
    String origin = "env " + field.envName();
    if (raw == null) {
      raw = file.get(field.name());
      origin = "file";
    }
    T value;
    if (raw == null) {
      if (field.defaultValue().isEmpty()) {
        if (field.required()) {
          problems.add(
              field.name()
                  + ": missing (set "
                  + field.envName()
                  + " or "
                  + field.name()
                  + " in the properties file)"
                  + (field.doc().isEmpty() ? "" : "; " + field.doc()));
        }
        return Optional.empty();
      }
      value = field.defaultValue().get();
      origin = "default";
    } else {
      try {
        value = field.parse(raw);
      } catch (RuntimeException e) {
        String shown = field.secret() ? "the value" : "'" + raw + "'";
        problems.add(
            field.name()
                + " (from "
                + origin
                + "): "
                + shown
                + " is not a valid "
                + field.type().label()
                + reason(e, field));
        return Optional.empty();
      }
    }
    Optional<String> problem = field.validate(value);
    if (problem.isPresent()) {
      String text = field.secret() ? "fails validation" : problem.get();
      problems.add(field.name() + " (from " + origin + "): " + text);
      return Optional.empty();
    }
    return Optional.of(new Config.Entry(value, origin));
  }

  private static String reason(RuntimeException e, Field<?> field) {
    // A parser message may quote the input; a secret's must not reach the log.
    if (field.secret() || e.getMessage() == null || e instanceof NumberFormatException) {
      return "";
    }
    return " (" + e.getMessage() + ")";
  }

  private static Map<String, Config.Entry> passThrough(
      Map<String, String> env, Map<String, String> file, List<String> problems) {
    Map<String, Config.Entry> kafka = new TreeMap<>();
    file.forEach(
        (key, value) -> {
          if (key.startsWith(ClientType.ALL_PREFIX)) {
            kafka.put(key, new Config.Entry(value, "file"));
          }
        });
    env.forEach(
        (name, value) -> {
          if (name.startsWith(KAFKA_ENV_PREFIX)) {
            String key = name.substring(Field.ENV_PREFIX.length()).toLowerCase(Locale.ROOT);
            kafka.put(key.replace('_', '.'), new Config.Entry(value, "env " + name));
          }
        });
    for (String key : kafka.keySet()) {
      boolean bare =
          key.endsWith(".")
              || Arrays.stream(ClientType.values()).anyMatch(t -> (key + ".").equals(t.prefix()));
      if (bare) {
        problems.add(key + ": a Kafka pass-through key needs a client setting after the prefix");
      }
    }
    return kafka;
  }

  private void checkUnknownKeys(
      Map<String, String> env, Map<String, String> file, List<String> problems) {
    if (strictPrefixes.isEmpty()) {
      return;
    }
    Map<String, String> known = new TreeMap<>();
    fields.values().forEach(f -> known.put(f.envName(), f.name()));
    for (String key : file.keySet()) {
      if (!fields.containsKey(key) && underStrictPrefix(key)) {
        problems.add(key + " (from file): unknown key");
      }
    }
    for (String name : env.keySet()) {
      if (!name.startsWith(Field.ENV_PREFIX) || known.containsKey(name)) {
        continue;
      }
      String key = name.substring(Field.ENV_PREFIX.length()).toLowerCase(Locale.ROOT);
      if (underStrictPrefix(key.replace('_', '.'))) {
        problems.add(name + " (from env): unknown key");
      }
    }
  }

  private boolean underStrictPrefix(String key) {
    return strictPrefixes.stream().anyMatch(key::startsWith);
  }

  /** Collects fields; rejects duplicates and keys in the Kafka pass-through namespace. */
  public static final class Builder {
    private final Map<String, Field<?>> fields = new LinkedHashMap<>();
    private final List<String> strictPrefixes = new ArrayList<>();

    private Builder() {}

    /** Adds one field. */
    public Builder define(Field<?> field) {
      if (field.name().startsWith(ClientType.ALL_PREFIX)) {
        throw new IllegalArgumentException(
            field.name() + ": keys under 'kafka.' are raw client settings and pass through");
      }
      if (fields.putIfAbsent(field.name(), field) != null) {
        throw new IllegalArgumentException("config key defined twice: " + field.name());
      }
      return this;
    }

    /** Adds several fields, e.g. a shared group such as {@code KafkaSettings.FIELDS}. */
    public Builder define(Collection<? extends Field<?>> group) {
      group.forEach(this::define);
      return this;
    }

    /**
     * Makes keys under {@code prefix} (e.g. {@code "ingest."}) that no field declares a problem, so
     * a misspelt key fails start-up instead of being ignored. Keys outside the prefix are left
     * alone: in the all-in-one process every service shares one environment.
     */
    public Builder rejectUnknownUnder(String prefix) {
      strictPrefixes.add(prefix);
      return this;
    }

    /** The immutable spec. */
    public ConfigSpec build() {
      return new ConfigSpec(
          Collections.unmodifiableMap(new LinkedHashMap<>(fields)), List.copyOf(strictPrefixes));
    }
  }
}
