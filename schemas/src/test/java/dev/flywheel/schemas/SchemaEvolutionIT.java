package dev.flywheel.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.events.FeedbackReceived;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Producers on other versions of a contract: the consumer's own class reads what they write, and
 * the registry refuses a change that would break readers.
 */
@ExtendWith(EmbeddedInfraExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SchemaEvolutionIT {
  private final EmbeddedInfra infra;
  private SchemaRegistryClient registry;
  private Topics topics;

  SchemaEvolutionIT(EmbeddedInfra infra) {
    this.infra = infra;
  }

  @BeforeEach
  void createTopics() {
    registry = SchemaRegistryClient.create(infra.registryUrl());
    topics = Topics.create(infra.newTopicPrefix(), registry);
    try (Admin admin = KafkaClients.admin(infra)) {
      TopicEnsurer.ensure(
          admin, List.of(topics.feedback()), (short) 1, TopicEnsurer.DEFAULT_TIMEOUT);
    }
  }

  @AfterEach
  void closeRegistry() {
    registry.close();
  }

  @Test
  void shouldReadRecordsOfANewerSchemaThatAddsAFieldWithADefault() throws IOException {
    String topic = topics.feedback().name();
    String subject = Subjects.value(topic);
    assertThat(registry.register(subject, FeedbackReceived.getClassSchema())).isPositive();
    Schema newer =
        withField(
            FeedbackReceived.getClassSchema(),
            new Schema.Field(
                "sentiment", Schema.create(Schema.Type.STRING), "Sentiment the app inferred.", ""));
    assertThat(registry.isCompatible(subject, newer)).isTrue();
    int newerId = registry.register(subject, newer);

    FeedbackReceived original = SampleEvents.feedbackReceived();
    GenericRecord written = asGeneric(original, newer);
    written.put("sentiment", "neutral");
    produceRaw(topic, "p-1", wire(newerId, newer, written));

    FeedbackReceived read = readOne(topic);
    assertThat(read).isEqualTo(original);
    assertThat(registry.latest(subject))
        .hasValueSatisfying(r -> assertThat(r.id()).isEqualTo(newerId));
  }

  @Test
  void shouldFillDefaultsForFieldsAnOlderProducerDidNotKnow() throws IOException {
    String topic = topics.feedback().name();
    Schema older = withoutField(FeedbackReceived.getClassSchema(), "comment");
    int olderId = registry.register(Subjects.value(topic), older);
    FeedbackReceived original = SampleEvents.feedbackReceived();

    produceRaw(topic, "p-1", wire(olderId, older, asGeneric(original, older)));

    FeedbackReceived read = readOne(topic);
    assertThat(read.getComment()).isNull();
    assertThat(read.getLabel()).isEqualTo(original.getLabel());
    assertThat(read.getTimestamp()).isEqualTo(original.getTimestamp());
  }

  @Test
  void shouldRefuseAnIncompatibleChangeWith409AndRegisterNothing() {
    String subject = Subjects.value(topics.feedback().name());
    int id = registry.register(subject, FeedbackReceived.getClassSchema());
    // A new required field without a default: the new reader could not read old records.
    Schema incompatible =
        withField(
            FeedbackReceived.getClassSchema(),
            new Schema.Field("mood", Schema.create(Schema.Type.STRING), "Required mood.", null));

    assertThat(registry.isCompatible(subject, incompatible)).isFalse();
    assertThatThrownBy(() -> registry.register(subject, incompatible))
        .isInstanceOfSatisfying(
            IncompatibleSchemaException.class,
            e -> {
              assertThat(e.httpStatus()).isEqualTo(409);
              assertThat(e.subject()).isEqualTo(subject);
            })
        .hasMessageContaining(subject);

    assertThat(registry.latest(subject))
        .hasValueSatisfying(
            latest -> {
              assertThat(latest.version()).isEqualTo(1);
              assertThat(latest.id()).isEqualTo(id);
            });
    assertThat(registry.lookup(subject, incompatible)).isEmpty();
  }

  private void produceRaw(String topic, String key, byte[] value) {
    try (KafkaProducer<byte[], byte[]> producer =
        KafkaClients.producer(infra, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value));
      producer.flush();
    }
  }

  private FeedbackReceived readOne(String topic) {
    // A fresh client, as a separate consumer process would have.
    try (SchemaRegistryClient consumerRegistry = SchemaRegistryClient.create(infra.registryUrl());
        AvroDeserializer<FeedbackReceived> deserializer =
            new AvroDeserializer<>(consumerRegistry, FeedbackReceived.class)) {
      List<ConsumerRecord<String, FeedbackReceived>> records =
          KafkaClients.readAll(
              infra,
              topic,
              topics.feedback().partitions(),
              new StringDeserializer(),
              deserializer,
              1);
      assertThat(records).hasSize(1);
      return records.get(0).value();
    }
  }

  private static Schema withField(Schema schema, Schema.Field extra) {
    List<Schema.Field> fields = new ArrayList<>();
    schema.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
    fields.add(extra);
    return Schema.createRecord(
        schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
  }

  private static Schema withoutField(Schema schema, String name) {
    List<Schema.Field> fields = new ArrayList<>();
    schema.getFields().stream()
        .filter(f -> !f.name().equals(name))
        .forEach(f -> fields.add(new Schema.Field(f, f.schema())));
    return Schema.createRecord(
        schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
  }

  /** The fields of {@code event} that {@code schema} has, as a generic record of that schema. */
  private static GenericRecord asGeneric(FeedbackReceived event, Schema schema) {
    GenericRecord record = new GenericData.Record(schema);
    for (Schema.Field field : schema.getFields()) {
      if (FeedbackReceived.getClassSchema().getField(field.name()) == null) {
        continue;
      }
      Object value = event.get(field.name());
      if (value instanceof Instant instant) {
        value = instant.toEpochMilli();
      } else if (value instanceof Enum<?> symbol) {
        value = new GenericData.EnumSymbol(field.schema(), symbol.name());
      }
      record.put(field.name(), value);
    }
    return record;
  }

  private static byte[] wire(int id, Schema schema, GenericRecord record) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(id).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
    encoder.flush();
    return out.toByteArray();
  }
}
