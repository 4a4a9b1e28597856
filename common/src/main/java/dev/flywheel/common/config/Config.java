package dev.flywheel.common.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A validated configuration produced by {@link ConfigSpec}: typed values of the declared fields and
 * the raw Kafka client settings that passed through. Immutable. {@link #toString()} is safe to log:
 * secrets are masked.
 */
public final class Config {
  private final Map<String, Field<?>> fields;
  private final Map<String, Entry> values;
  private final Map<String, Entry> kafka;

  record Entry(Object value, String origin) {}

  Config(Map<String, Field<?>> fields, Map<String, Entry> values, Map<String, Entry> kafka) {
    this.fields = fields;
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    this.kafka = Collections.unmodifiableMap(new TreeMap<>(kafka));
  }

  /**
   * The value of a field (its default when unset).
   *
   * @throws IllegalArgumentException when the spec did not declare the field
   * @throws NoSuchElementException when an {@link Field#optional()} field is unset
   */
  public <T> T get(Field<T> field) {
    return find(field)
        .orElseThrow(
            () -> new NoSuchElementException(field.name() + " is not set and has no default"));
  }

  /** The value of a field, empty when an optional field without default is unset. */
  @SuppressWarnings("unchecked")
  public <T> Optional<T> find(Field<T> field) {
    Field<?> declared = fields.get(field.name());
    if (declared == null) {
      throw new IllegalArgumentException("config key not declared in this spec: " + field.name());
    }
    Entry entry = values.get(field.name());
    return entry == null ? Optional.empty() : Optional.of((T) entry.value());
  }

  /**
   * Where a field's value came from: {@code "env FLYWHEEL_..."}, {@code "file"} or {@code
   * "default"}.
   */
  public Optional<String> origin(Field<?> field) {
    return Optional.ofNullable(values.get(field.name())).map(Entry::origin);
  }

  /**
   * The raw Kafka settings for one client type: everything under {@code kafka.} that is not scoped
   * to a client type, overlaid by everything under that type's prefix ({@code kafka.producer.},
   * ...), with the prefixes removed. Values are the strings given; secrets are included (clients
   * need them).
   */
  public Map<String, Object> kafka(ClientType type) {
    Map<String, Object> settings = new TreeMap<>();
    kafka.forEach(
        (key, entry) -> {
          if (!ClientType.isScoped(key)) {
            settings.put(key.substring(ClientType.ALL_PREFIX.length()), entry.value());
          }
        });
    kafka.forEach(
        (key, entry) -> {
          if (key.startsWith(type.prefix())) {
            settings.put(key.substring(type.prefix().length()), entry.value());
          }
        });
    return Collections.unmodifiableMap(settings);
  }

  /**
   * Every key with a printable value: declared fields in declaration order, then Kafka pass-through
   * settings sorted; secrets (by type or by name) appear as {@value Secret#MASK}.
   */
  public Map<String, String> masked() {
    Map<String, String> shown = new LinkedHashMap<>();
    values.forEach(
        (key, entry) ->
            shown.put(
                key, fields.get(key).secret() ? Secret.MASK : Masking.show(key, entry.value())));
    kafka.forEach((key, entry) -> shown.put(key, Masking.show(key, entry.value())));
    return Collections.unmodifiableMap(shown);
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("Config{");
    Map<String, String> shown = masked();
    String separator = "";
    for (Map.Entry<String, String> e : shown.entrySet()) {
      Entry entry = values.containsKey(e.getKey()) ? values.get(e.getKey()) : kafka.get(e.getKey());
      text.append(separator)
          .append(e.getKey())
          .append('=')
          .append(e.getValue())
          .append(" [")
          .append(entry.origin())
          .append(']');
      separator = ", ";
    }
    return text.append('}').toString();
  }
}
