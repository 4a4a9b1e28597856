package dev.flywheel.schemas;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;

/**
 * One topic of the catalogue: its full name (with the installation's prefix), how it is laid out
 * and kept, and the serdes of its keys and values. Immutable.
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class Topic<K, V> {
  private final String name;
  private final int partitions;
  private final CleanupPolicy cleanupPolicy;
  private final Optional<Duration> retention;
  private final Map<String, String> extraConfigs;
  private final Serde<K> keySerde;
  private final Serde<V> valueSerde;
  private final Class<V> valueClass;

  /**
   * @param retention how long records are kept; empty means the broker default, a negative duration
   *     ({@link #FOREVER}) means forever ({@code retention.ms=-1})
   */
  public Topic(
      String name,
      int partitions,
      CleanupPolicy cleanupPolicy,
      Optional<Duration> retention,
      Map<String, String> extraConfigs,
      Serde<K> keySerde,
      Serde<V> valueSerde,
      Class<V> valueClass) {
    this.name = Topics.checkName(name);
    if (partitions < 1) {
      throw new IllegalArgumentException(name + ": partitions must be >= 1, not " + partitions);
    }
    this.partitions = partitions;
    this.cleanupPolicy = Objects.requireNonNull(cleanupPolicy, "cleanupPolicy");
    this.retention = Objects.requireNonNull(retention, "retention");
    this.extraConfigs = Map.copyOf(extraConfigs);
    this.keySerde = Objects.requireNonNull(keySerde, "keySerde");
    this.valueSerde = Objects.requireNonNull(valueSerde, "valueSerde");
    this.valueClass = Objects.requireNonNull(valueClass, "valueClass");
  }

  /** Retention meaning "kept forever" ({@code retention.ms=-1}). */
  public static final Duration FOREVER = Duration.ofMillis(-1);

  public String name() {
    return name;
  }

  public int partitions() {
    return partitions;
  }

  public CleanupPolicy cleanupPolicy() {
    return cleanupPolicy;
  }

  /** Empty: the broker's default; {@link #FOREVER}: never deleted by age. */
  public Optional<Duration> retention() {
    return retention;
  }

  /** Further topic configs beyond cleanup policy and retention. */
  public Map<String, String> extraConfigs() {
    return extraConfigs;
  }

  public Serde<K> keySerde() {
    return keySerde;
  }

  public Serde<V> valueSerde() {
    return valueSerde;
  }

  public Class<V> valueClass() {
    return valueClass;
  }

  /** Every topic config this topic is created with. */
  public Map<String, String> configs() {
    Map<String, String> configs = new LinkedHashMap<>();
    configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, cleanupPolicy.configValue());
    retention.ifPresent(
        r -> configs.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(retentionMs(r))));
    configs.putAll(extraConfigs);
    return Map.copyOf(configs);
  }

  /** The admin request that creates this topic. */
  public NewTopic newTopic(short replicationFactor) {
    return new NewTopic(name, partitions, replicationFactor).configs(configs());
  }

  /** This topic with another partition count. */
  public Topic<K, V> withPartitions(int count) {
    return new Topic<>(
        name, count, cleanupPolicy, retention, extraConfigs, keySerde, valueSerde, valueClass);
  }

  static long retentionMs(Duration retention) {
    return retention.isNegative() ? -1L : retention.toMillis();
  }

  @Override
  public String toString() {
    return "Topic["
        + name
        + ", partitions="
        + partitions
        + ", "
        + cleanupPolicy.configValue()
        + retention.map(r -> ", retention.ms=" + retentionMs(r)).orElse("")
        + ", value="
        + valueClass.getSimpleName()
        + "]";
  }
}
