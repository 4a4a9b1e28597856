package dev.flywheel.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.events.PredictionLogged;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The wire format and the serde's error cases, against a scripted registry answer. */
class AvroSerdeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ScriptedHttpServer server;
  private SchemaRegistryClient registry;

  @BeforeEach
  void start() throws Exception {
    server = new ScriptedHttpServer();
    registry = SchemaRegistryClient.create(server.url());
  }

  @AfterEach
  void stop() {
    registry.close();
    server.close();
  }

  @Test
  void shouldWriteMagicByteThenTheRegisteredIdBigEndianThenAvro() {
    server.then(200, "{\"id\":258}");
    try (AvroSerde<FeedbackReceived> serde =
        new AvroSerde<>(registry, FeedbackReceived.class, false)) {
      byte[] bytes =
          serde.serializer().serialize("flywheel-feedback", SampleEvents.feedbackReceived());

      assertThat(bytes[0]).isEqualTo(WireFormat.MAGIC_BYTE);
      assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(258);
      assertThat(new byte[] {bytes[1], bytes[2], bytes[3], bytes[4]}).containsExactly(0, 0, 1, 2);
      assertThat(WireFormat.schemaId("flywheel-feedback", bytes)).isEqualTo(258);
      assertThat(server.received().get(0).path())
          .isEqualTo("/subjects/flywheel-feedback-value/versions");
    }
  }

  @Test
  void shouldRegisterOnceAndFetchTheWriterSchemaOncePerId() throws Exception {
    String schemaAnswer =
        JSON.writeValueAsString(Map.of("schema", FeedbackReceived.getClassSchema().toString()));
    server.then(200, "{\"id\":7}").then(200, schemaAnswer);
    // A consumer has its own client: it learns the writer schema from the registry, once.
    try (SchemaRegistryClient consumerSide = SchemaRegistryClient.create(server.url());
        Serializer<FeedbackReceived> serializer = new AvroSerializer<>(registry);
        Deserializer<FeedbackReceived> deserializer =
            new AvroDeserializer<>(consumerSide, FeedbackReceived.class)) {
      for (int i = 0; i < 100; i++) {
        FeedbackReceived event = SampleEvents.feedbackReceived();
        event.setIdempotencyId("id-" + i);
        byte[] bytes = serializer.serialize("t", event);
        assertThat(deserializer.deserialize("t", bytes)).isEqualTo(event);
      }
    }
    assertThat(server.received())
        .extracting(ScriptedHttpServer.Received::path)
        .containsExactly("/subjects/t-value/versions", "/schemas/ids/7");
  }

  @Test
  void shouldUseTheKeySubjectForKeys() {
    server.then(200, "{\"id\":1}");
    try (Serializer<PredictionLogged> keys = new AvroSerializer<>(registry, true, true)) {
      keys.serialize("t", SampleEvents.predictionLogged());
    }
    assertThat(server.received().get(0).path()).isEqualTo("/subjects/t-key/versions");
  }

  @Test
  void shouldRejectBytesWithoutTheMagicByteNamingTopicAndByte() {
    try (Deserializer<FeedbackReceived> deserializer =
        new AvroDeserializer<>(registry, FeedbackReceived.class)) {
      assertThatThrownBy(
              () -> deserializer.deserialize("flywheel-feedback", new byte[] {7, 0, 0, 0, 1, 2}))
          .isInstanceOfSatisfying(
              UnknownMagicByteException.class,
              e -> {
                assertThat(e.topic()).isEqualTo("flywheel-feedback");
                assertThat(e.magicByte()).isEqualTo((byte) 7);
              })
          .hasMessageContaining("flywheel-feedback")
          .hasMessageContaining("byte 7");
    }
    assertThat(server.received()).isEmpty();
  }

  @Test
  void shouldRejectAnUnknownSchemaIdNamingTopicAndId() {
    server.then(404, "{\"error_code\":40403,\"message\":\"Schema 99 not found\"}");
    try (Deserializer<FeedbackReceived> deserializer =
        new AvroDeserializer<>(registry, FeedbackReceived.class)) {
      assertThatThrownBy(
              () -> deserializer.deserialize("flywheel-feedback", new byte[] {0, 0, 0, 0, 99, 2}))
          .isInstanceOfSatisfying(
              UnknownSchemaIdException.class,
              e -> {
                assertThat(e.schemaId()).isEqualTo(99);
                assertThat(e.topic()).contains("flywheel-feedback");
                assertThat(e.errorCode()).isEqualTo(40403);
                assertThat(e.httpStatus()).isEqualTo(404);
              })
          .hasMessageContaining("flywheel-feedback")
          .hasMessageContaining("99");
    }
  }

  @Test
  void shouldRaiseIncompatibleSchemaNamingTopicAndSubjectWhenTheRegistryAnswers409() {
    server.then(
        409, "{\"error_code\":409,\"message\":\"Schema being registered is incompatible\"}");
    try (Serializer<FeedbackReceived> serializer = new AvroSerializer<>(registry)) {
      assertThatThrownBy(
              () -> serializer.serialize("flywheel-feedback", SampleEvents.feedbackReceived()))
          .isInstanceOfSatisfying(
              IncompatibleSchemaException.class,
              e -> {
                assertThat(e.topic()).contains("flywheel-feedback");
                assertThat(e.subject()).isEqualTo("flywheel-feedback-value");
                assertThat(e.httpStatus()).isEqualTo(409);
              })
          .hasMessageContaining("flywheel-feedback-value");
    }
  }

  @Test
  void shouldRejectRecordsTooShortForASchemaId() {
    try (Deserializer<FeedbackReceived> deserializer =
        new AvroDeserializer<>(registry, FeedbackReceived.class)) {
      assertThatThrownBy(() -> deserializer.deserialize("t", new byte[] {0, 0, 1}))
          .isInstanceOf(org.apache.kafka.common.errors.SerializationException.class)
          .hasMessageContaining("too short");
    }
  }

  @Test
  void shouldLookUpInsteadOfRegisteringWhenAutoRegisterIsOff() {
    server.then(404, "{\"error_code\":40403,\"message\":\"Schema not found\"}");
    try (Serializer<FeedbackReceived> serializer = new AvroSerializer<>(registry, false, false)) {
      assertThatThrownBy(() -> serializer.serialize("t", SampleEvents.feedbackReceived()))
          .isInstanceOf(SchemaRegistryException.class)
          .hasMessageContaining("not registered under t-value");
    }
    assertThat(server.received().get(0).path()).isEqualTo("/subjects/t-value");
    assertThat(server.received().get(0).method()).isEqualTo("POST");
  }

  @Test
  void shouldMapNullToNullBothWays() {
    try (AvroSerde<FeedbackReceived> serde =
        new AvroSerde<>(registry, FeedbackReceived.class, false)) {
      assertThat(serde.serializer().serialize("t", null)).isNull();
      assertThat(serde.deserializer().deserialize("t", null)).isNull();
    }
    assertThat(server.received()).isEmpty();
  }

  @Test
  void shouldBeConfigurableWithConfluentPropertyNames() throws Exception {
    String schemaAnswer =
        JSON.writeValueAsString(Map.of("schema", FeedbackReceived.getClassSchema().toString()));
    server.then(200, "{\"id\":3}").then(200, schemaAnswer);
    Map<String, Object> configs = new HashMap<>();
    configs.put("schema.registry.url", server.url());
    configs.put("basic.auth.credentials.source", "USER_INFO");
    configs.put("basic.auth.user.info", "fly:wheel");
    configs.put("specific.avro.value.type", FeedbackReceived.class.getName());
    try (AvroSerde<FeedbackReceived> serde = new AvroSerde<>()) {
      serde.configure(configs, false);
      byte[] bytes = serde.serializer().serialize("t", SampleEvents.feedbackReceived());
      assertThat(serde.deserializer().deserialize("t", bytes))
          .isEqualTo(SampleEvents.feedbackReceived());
    }
    assertThat(server.received())
        .allSatisfy(r -> assertThat(r.authorization()).isEqualTo("Basic Zmx5OndoZWVs"));
  }

  @Test
  void shouldReadAsTheWritersClassWhenNoClassIsConfigured() throws Exception {
    String schemaAnswer =
        JSON.writeValueAsString(Map.of("schema", PredictionLogged.getClassSchema().toString()));
    server.then(200, "{\"id\":4}").then(200, schemaAnswer);
    Map<String, Object> configs = Map.of("schema.registry.url", server.url());
    try (AvroSerializer<PredictionLogged> serializer = new AvroSerializer<>();
        AvroDeserializer<PredictionLogged> deserializer = new AvroDeserializer<>()) {
      serializer.configure(configs, false);
      deserializer.configure(configs, false);
      byte[] bytes = serializer.serialize("t", SampleEvents.predictionLogged());
      assertThat(deserializer.deserialize("t", bytes)).isEqualTo(SampleEvents.predictionLogged());
    }
  }
}
