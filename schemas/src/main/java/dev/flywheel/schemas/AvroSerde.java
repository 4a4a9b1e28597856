package dev.flywheel.schemas;

import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka Streams {@link Serde} of one specific Avro record class in the Confluent wire format: an
 * {@link AvroSerializer} and an {@link AvroDeserializer} sharing one registry client.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
  private final AvroSerializer<T> serializer;
  private final AvroDeserializer<T> deserializer;

  /**
   * For reflective construction (e.g. {@code default.value.serde}); {@link #configure} must follow,
   * with {@code specific.avro.value.type} naming the class or else the writer's class is used.
   */
  public AvroSerde() {
    this.serializer = new AvroSerializer<>();
    this.deserializer = new AvroDeserializer<>();
  }

  /** A serde of {@code recordClass} that registers schemas automatically. */
  public AvroSerde(SchemaRegistryClient registry, Class<T> recordClass, boolean isKey) {
    this(registry, recordClass, isKey, true);
  }

  public AvroSerde(
      SchemaRegistryClient registry, Class<T> recordClass, boolean isKey, boolean autoRegister) {
    this.serializer = new AvroSerializer<>(registry, isKey, autoRegister);
    this.deserializer = new AvroDeserializer<>(registry, recordClass);
  }

  /** Ignored when a registry client was given to the constructor. */
  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (serializer.isConfigured()) {
      return;
    }
    // One client for both halves: one cache, one set of HTTP threads.
    SchemaRegistryClient client = new SchemaRegistryClient(AvroSerdeConfig.registryConfig(configs));
    serializer.init(client, true, isKey, AvroSerdeConfig.autoRegister(configs));
    deserializer.init(client, false, configs, isKey);
  }

  @Override
  public Serializer<T> serializer() {
    return serializer;
  }

  @Override
  public Deserializer<T> deserializer() {
    return deserializer;
  }

  @Override
  public void close() {
    serializer.close();
    deserializer.close();
  }
}
