package dev.flywheel.schemas;

import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads specific Avro records in the Confluent wire format. The writer schema is fetched from the
 * registry by the id in the record (once per id, then cached) and resolved against the reader
 * schema of the record class, so records written by older or newer producers read as this process's
 * version of the class. Thread-safe; {@code null} becomes {@code null}.
 *
 * <p>The record class comes from the constructor or from {@code specific.avro.value.type} / {@code
 * specific.avro.key.type}; without either, the class named by the writer schema is used.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {
  private SchemaRegistryClient registry;
  private boolean ownsRegistry;
  private Schema readerSchema;
  private final Map<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();

  /** For Kafka's reflective construction; {@link #configure} must follow. */
  public AvroDeserializer() {}

  /** Reads records as {@code recordClass}, its own schema being the reader schema. */
  public AvroDeserializer(SchemaRegistryClient registry, Class<T> recordClass) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.readerSchema =
        SpecificData.get().getSchema(Objects.requireNonNull(recordClass, "recordClass"));
  }

  /** Ignored when a registry client was given to the constructor: that setup stands. */
  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (registry != null) {
      return;
    }
    init(new SchemaRegistryClient(AvroSerdeConfig.registryConfig(configs)), true, configs, isKey);
  }

  void init(SchemaRegistryClient client, boolean owns, Map<String, ?> configs, boolean isKey) {
    Class<?> configured = AvroSerdeConfig.recordClass(configs, isKey).orElse(null);
    if (configured != null) {
      if (!SpecificRecord.class.isAssignableFrom(configured)) {
        throw new ConfigException(
            isKey
                ? AvroSerdeConfig.SPECIFIC_AVRO_KEY_TYPE
                : AvroSerdeConfig.SPECIFIC_AVRO_VALUE_TYPE,
            configured.getName(),
            "not a specific Avro record class");
      }
      this.readerSchema = SpecificData.get().getSchema(configured);
    }
    this.registry = client;
    this.ownsRegistry = owns;
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    if (registry == null) {
      throw new IllegalStateException("AvroDeserializer used before configure()");
    }
    int id = WireFormat.schemaId(topic, data);
    DatumReader<T> reader = reader(topic, id);
    try {
      BinaryDecoder decoder =
          DecoderFactory.get()
              .binaryDecoder(
                  data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, null);
      return reader.read(null, decoder);
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(
          "Cannot read record of topic " + topic + " written with schema id " + id + ": " + e, e);
    }
  }

  @Override
  public void close() {
    if (ownsRegistry) {
      registry.close();
    }
  }

  private DatumReader<T> reader(String topic, int id) {
    DatumReader<T> reader = readers.get(id);
    if (reader != null) {
      return reader;
    }
    Schema writer;
    try {
      writer = registry.getById(id);
    } catch (UnknownSchemaIdException e) {
      throw new UnknownSchemaIdException(topic, e);
    }
    Schema reading = readerSchema != null ? readerSchema : classSchemaOf(topic, writer);
    reader = new SpecificDatumReader<>(writer, reading);
    DatumReader<T> previous = readers.putIfAbsent(id, reader);
    return previous != null ? previous : reader;
  }

  private static Schema classSchemaOf(String topic, Schema writer) {
    Class<?> found = SpecificData.get().getClass(writer);
    if (found == null || !SpecificRecord.class.isAssignableFrom(found)) {
      throw new SerializationException(
          "No specific record class "
              + writer.getFullName()
              + " for topic "
              + topic
              + ", and none configured (specific.avro.value.type)");
    }
    return SpecificData.get().getSchema(found);
  }
}
