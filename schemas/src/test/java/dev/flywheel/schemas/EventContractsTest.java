package dev.flywheel.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.TaskType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class EventContractsTest {
  private final Topics topics = Topics.create("t", SchemaRegistryClient.create("http://unused"));

  @Test
  void shouldBuildEveryEventWithOnlyItsRequiredFieldsAndRoundTripIt() throws IOException {
    for (SpecificRecord event : SampleEvents.minimal()) {
      assertThat(roundTrip(event)).as(event.getSchema().getName()).isEqualTo(event);
    }
  }

  @Test
  void shouldRoundTripAFullInstanceOfEveryEvent() throws IOException {
    for (SampleEvents.Sample<?> sample : SampleEvents.full()) {
      assertThat(roundTrip(sample.value())).isEqualTo(sample.value());
    }
  }

  @Test
  void shouldFillNestedRecordDefaultsWhenOnlyRequiredFieldsAreSet() {
    ModelSpec spec = (ModelSpec) SampleEvents.minimal().get(0);
    assertThat(spec.getTask()).isEqualTo(TaskType.TEXT_CLASSIFICATION);
    assertThat(spec.getArchitecture()).isEqualTo("bag");
    assertThat(spec.getHoldoutShare()).isEqualTo(0.1);
    assertThat(spec.getTrigger().getMinNewExamples()).isEqualTo(200);
    assertThat(spec.getGate().getMaxMacroF1Regression()).isEqualTo(0.02);
    assertThat(spec.getGate().getMaxLatencyP95Millis()).isNull();
    LabeledExample example = (LabeledExample) SampleEvents.minimal().get(3);
    assertThat(example.getProvenance().getFeedbackIds()).isEmpty();
    assertThat(example.getProvenance().getPredictedBy()).isNull();
    assertThat(example.getWeight()).isEqualTo(1.0f);
  }

  @Test
  void shouldCoverEveryAvroTopicOfTheCatalogueWithASample() {
    Set<Class<?>> sampled = new HashSet<>();
    SampleEvents.full().forEach(s -> sampled.add(s.value().getClass()));
    Set<Class<?>> catalogued = new HashSet<>();
    topics.all().stream()
        .filter(t -> t != topics.deadLetters())
        .forEach(t -> catalogued.add(t.valueClass()));
    assertThat(sampled).isEqualTo(catalogued);
  }

  @Test
  void shouldDocumentEveryFieldAndDefaultEveryOptionalOne() {
    List<String> problems = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (SampleEvents.Sample<?> sample : SampleEvents.full()) {
      collectProblems(sample.value().getSchema(), seen, problems);
    }
    assertThat(seen).hasSizeGreaterThan(12);
    assertThat(problems).isEmpty();
  }

  private static void collectProblems(Schema schema, Set<String> seen, List<String> problems) {
    switch (schema.getType()) {
      case RECORD -> {
        if (!seen.add(schema.getFullName())) {
          return;
        }
        if (schema.getDoc() == null) {
          problems.add(schema.getFullName() + " has no doc");
        }
        for (Schema.Field field : schema.getFields()) {
          String where = schema.getName() + "." + field.name();
          if (field.doc() == null || field.doc().isBlank()) {
            problems.add(where + " has no doc");
          }
          if (field.schema().isNullable() && !field.hasDefaultValue()) {
            problems.add(where + " is optional without a default");
          }
          collectProblems(field.schema(), seen, problems);
        }
      }
      case ENUM -> {
        if (seen.add(schema.getFullName()) && schema.getEnumDefault() == null) {
          problems.add(schema.getFullName() + " has no default symbol");
        }
      }
      case UNION -> schema.getTypes().forEach(t -> collectProblems(t, seen, problems));
      case ARRAY -> collectProblems(schema.getElementType(), seen, problems);
      case MAP -> collectProblems(schema.getValueType(), seen, problems);
      default -> {
        // Primitive types carry nothing to check.
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static <T extends SpecificRecord> T roundTrip(T record) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<T>(record.getSchema()).write(record, encoder);
    encoder.flush();
    SpecificDatumReader<T> reader = new SpecificDatumReader<>((Class<T>) record.getClass());
    return reader.read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
  }
}
