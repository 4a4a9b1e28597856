package dev.flywheel.common.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * One typed configuration key: name, type, default, validator and doc, like a Kafka {@code
 * ConfigDef} entry. Immutable; the {@code with...} methods return a copy. A field without a default
 * is required unless {@link #optional()} is called.
 *
 * <p>A key such as {@code ingest.http.port} is read from the environment variable {@code
 * FLYWHEEL_INGEST_HTTP_PORT} (see {@link #envName()}) or from the properties file under its own
 * name.
 *
 * @param <T> the parsed value type
 */
public final class Field<T> {
  /** Prefix of every environment variable Flywheel reads. */
  public static final String ENV_PREFIX = "FLYWHEEL_";

  private final String name;
  private final ConfigType type;
  private final Function<String, T> parser;
  private final T defaultValue;
  private final boolean required;
  private final Validator<? super T> validator;
  private final String doc;

  private Field(
      String name,
      ConfigType type,
      Function<String, T> parser,
      T defaultValue,
      boolean required,
      Validator<? super T> validator,
      String doc) {
    this.name = name;
    this.type = type;
    this.parser = parser;
    this.defaultValue = defaultValue;
    this.required = required;
    this.validator = validator;
    this.doc = doc;
  }

  private static <T> Field<T> of(String name, ConfigType type, Function<String, T> parser) {
    Objects.requireNonNull(name, "name");
    if (!name.matches("[a-z0-9]+([.-][a-z0-9]+)*")) {
      throw new IllegalArgumentException(
          "config key '" + name + "' must be lower-case words separated by '.' or '-'");
    }
    return new Field<>(name, type, parser, null, true, value -> Optional.empty(), "");
  }

  /** A string key. */
  public static Field<String> ofString(String name) {
    return of(name, ConfigType.STRING, String::trim);
  }

  /** An {@code int} key. */
  public static Field<Integer> ofInt(String name) {
    return of(name, ConfigType.INT, raw -> Integer.valueOf(raw.trim()));
  }

  /** A {@code long} key. */
  public static Field<Long> ofLong(String name) {
    return of(name, ConfigType.LONG, raw -> Long.valueOf(raw.trim()));
  }

  /** A {@code double} key. */
  public static Field<Double> ofDouble(String name) {
    return of(name, ConfigType.DOUBLE, raw -> Double.valueOf(raw.trim()));
  }

  /** A boolean key: {@code true} or {@code false}, case-insensitive, nothing else. */
  public static Field<Boolean> ofBoolean(String name) {
    return of(name, ConfigType.BOOLEAN, Values::parseBoolean);
  }

  /**
   * A duration key: {@code 250ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}, ISO-8601
   * ({@code PT30S}), or a bare number of milliseconds (the Kafka convention).
   */
  public static Field<Duration> ofDuration(String name) {
    return of(name, ConfigType.DURATION, Values::parseDuration);
  }

  /** A comma-separated list key; items are trimmed and empty items dropped. */
  public static Field<List<String>> ofList(String name) {
    return of(name, ConfigType.LIST, Values::parseList);
  }

  /** A secret key (password, token, API key): never printed, never echoed in an error. */
  public static Field<Secret> ofSecret(String name) {
    return of(name, ConfigType.PASSWORD, Secret::of);
  }

  /** A copy with a default value, which makes the key optional. */
  public Field<T> withDefault(T value) {
    return new Field<>(name, type, parser, Objects.requireNonNull(value), false, validator, doc);
  }

  /** A copy that may be absent without a default ({@link Config#find(Field)} is then empty). */
  public Field<T> optional() {
    return new Field<>(name, type, parser, null, false, validator, doc);
  }

  /** A copy with a validator that every value, default included, must pass. */
  public Field<T> withValidator(Validator<? super T> check) {
    return new Field<>(name, type, parser, defaultValue, required, check, doc);
  }

  /** A copy with documentation: what the key does, in one sentence. */
  public Field<T> withDoc(String text) {
    return new Field<>(name, type, parser, defaultValue, required, validator, text);
  }

  /** The key, e.g. {@code ingest.http.port}. */
  public String name() {
    return name;
  }

  /** The environment variable for this key, e.g. {@code FLYWHEEL_INGEST_HTTP_PORT}. */
  public String envName() {
    return envName(name);
  }

  /** The environment variable for any key: {@code FLYWHEEL_} + upper case, '.'/'-' as '_'. */
  public static String envName(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** The value type. */
  public ConfigType type() {
    return type;
  }

  /** The default, if any. */
  public Optional<T> defaultValue() {
    return Optional.ofNullable(defaultValue);
  }

  /** Whether start-up fails when the key is missing. */
  public boolean required() {
    return required;
  }

  /** The documentation. */
  public String doc() {
    return doc;
  }

  /** Whether the value must never be shown. */
  public boolean secret() {
    return type == ConfigType.PASSWORD || Masking.isSensitive(name);
  }

  T parse(String raw) {
    return parser.apply(raw);
  }

  Optional<String> validate(T value) {
    return validator.check(value);
  }

  @Override
  public String toString() {
    return name + " (" + type.label() + ")";
  }
}
