package dev.flywheel.schemas;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes specific Avro records in the Confluent wire format (magic byte 0, schema id, Avro binary),
 * registering or looking up each record's schema under the subject {@code <topic>-value} (or {@code
 * <topic>-key}). Thread-safe; {@code null} becomes {@code null} (a tombstone).
 *
 * <p>Either construct it with a shared {@link SchemaRegistryClient}, or use the no-argument
 * constructor and let Kafka call {@link #configure} with {@code schema.registry.url} and friends
 * (see {@link AvroSerdeConfig}).
 */
public final class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {
  private SchemaRegistryClient registry;
  private boolean ownsRegistry;
  private boolean isKey;
  private boolean autoRegister = true;
  private final Map<Schema, DatumWriter<T>> writers = new ConcurrentHashMap<>();

  /** The id found last: a serializer mostly writes one schema to one topic. */
  private record LastId(String topic, Schema schema, int id) {}

  private volatile LastId lastId;

  /** For Kafka's reflective construction; {@link #configure} must follow. */
  public AvroSerializer() {}

  /** A value serializer that registers schemas automatically. */
  public AvroSerializer(SchemaRegistryClient registry) {
    this(registry, false, true);
  }

  /**
   * @param isKey whether it serializes keys (subject {@code <topic>-key})
   * @param autoRegister register unknown schemas; when false a schema must already be registered
   */
  public AvroSerializer(SchemaRegistryClient registry, boolean isKey, boolean autoRegister) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.isKey = isKey;
    this.autoRegister = autoRegister;
  }

  /** Ignored when a registry client was given to the constructor: that setup stands. */
  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (registry != null) {
      return;
    }
    init(
        new SchemaRegistryClient(AvroSerdeConfig.registryConfig(configs)),
        true,
        isKey,
        AvroSerdeConfig.autoRegister(configs));
  }

  /** Whether it was built with, or configured with, a registry client. */
  boolean isConfigured() {
    return registry != null;
  }

  void init(SchemaRegistryClient client, boolean owns, boolean key, boolean register) {
    this.registry = client;
    this.ownsRegistry = owns;
    this.isKey = key;
    this.autoRegister = register;
  }

  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null;
    }
    if (registry == null) {
      throw new IllegalStateException("AvroSerializer used before configure()");
    }
    Schema schema = data.getSchema();
    int id = schemaId(topic, schema);
    ByteBuilder out = new ByteBuilder(128);
    out.write(WireFormat.MAGIC_BYTE);
    out.writeInt(id);
    try {
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
      writer(schema).write(data, encoder);
      encoder.flush();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(
          "Cannot write " + schema.getFullName() + " for topic " + topic + ": " + e.getMessage(),
          e);
    }
    return out.toByteArray();
  }

  @Override
  public void close() {
    if (ownsRegistry) {
      registry.close();
    }
  }

  private int schemaId(String topic, Schema schema) {
    LastId last = lastId;
    if (last != null && last.schema == schema && Objects.equals(last.topic, topic)) {
      return last.id;
    }
    int id = lookUpSchemaId(topic, schema);
    lastId = new LastId(topic, schema, id);
    return id;
  }

  private int lookUpSchemaId(String topic, Schema schema) {
    String subject = Subjects.of(topic, isKey);
    try {
      if (autoRegister) {
        return registry.register(subject, schema);
      }
      return registry
          .idOf(subject, schema)
          .orElseThrow(
              () ->
                  new SchemaRegistryException(
                      "Schema "
                          + schema.getFullName()
                          + " is not registered under "
                          + subject
                          + " and auto.register.schemas is false (topic "
                          + topic
                          + ")",
                      40403,
                      404));
    } catch (IncompatibleSchemaException e) {
      throw new IncompatibleSchemaException(topic, e);
    }
  }

  private DatumWriter<T> writer(Schema schema) {
    return writers.computeIfAbsent(schema, SpecificDatumWriter::new);
  }
}
