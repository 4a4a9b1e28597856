package dev.flywheel.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.embedded.RegistryState.Version;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class RegistryStateTest {
  private static final String TOPIC = "_schemas";
  private final RegistryState state = new RegistryState();

  @Test
  void shouldRebuildSubjectsIdsAndLevelsFromTheRecordsItWrites() {
    String v1 = RegistryState.parse(Schemas.USER_V1).toString();
    String v2 = RegistryState.parse(Schemas.USER_V2_WITH_DEFAULT).toString();
    apply(RegistryState.schemaRecord(TOPIC, new Version("users", 1, 1, false), v1));
    apply(RegistryState.schemaRecord(TOPIC, new Version("users", 2, 7, false), v2));
    apply(RegistryState.configRecord(TOPIC, "users", CompatibilityLevel.FULL));
    apply(RegistryState.configRecord(TOPIC, null, CompatibilityLevel.NONE));

    assertThat(state.liveSubjects()).containsExactly("users");
    assertThat(state.requireVersion("users", Optional.empty()).id()).isEqualTo(7);
    assertThat(state.idOf(v1)).contains(1);
    assertThat(state.nextId()).isEqualTo(8);
    assertThat(state.nextVersion("users")).isEqualTo(3);
    assertThat(state.effectiveLevel("users")).isEqualTo(CompatibilityLevel.FULL);
    assertThat(state.effectiveLevel("other")).isEqualTo(CompatibilityLevel.NONE);

    apply(RegistryState.configRecord(TOPIC, "users", null));
    assertThat(state.subjectLevel("users")).isEmpty();
  }

  @Test
  void shouldHideSoftDeletedVersionsButKeepTheirNumbersAndIds() {
    String v1 = RegistryState.parse(Schemas.USER_V1).toString();
    apply(RegistryState.schemaRecord(TOPIC, new Version("users", 1, 3, false), v1));
    apply(RegistryState.schemaRecord(TOPIC, new Version("users", 1, 3, true), v1));

    assertThat(state.liveSubjects()).isEmpty();
    assertThatThrownBy(() -> state.requireLiveVersions("users"))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40401));
    assertThat(state.schema(3)).contains(v1);
    assertThat(state.nextVersion("users")).isEqualTo(2);
  }

  @Test
  void shouldSkipRecordsItCannotUseInsteadOfFailing() {
    state.apply(null, "{}");
    state.apply("not json", "{}");
    state.apply("{\"keytype\":\"NOOP\",\"magic\":0}", null);
    state.apply(
        "{\"keytype\":\"SCHEMA\",\"subject\":\"s\",\"version\":1,\"magic\":1}",
        "{\"subject\":\"s\",\"version\":1,\"id\":1,\"schema\":\"{broken\"}");
    state.apply(
        "{\"keytype\":\"SCHEMA\",\"subject\":\"p\",\"version\":1,\"magic\":1}",
        "{\"subject\":\"p\",\"version\":1,\"id\":2,\"schemaType\":\"PROTOBUF\",\"schema\":\"x\"}");

    assertThat(state.liveSubjects()).isEmpty();
    assertThat(state.nextId()).isEqualTo(1);
  }

  @Test
  void shouldTreatSchemasThatDifferOnlyInLayoutAsOne() {
    String spaced = Schemas.USER_V1.replace(",", " ,\n  ");
    assertThat(RegistryState.parse(spaced).toString())
        .isEqualTo(RegistryState.parse(Schemas.USER_V1).toString());
    assertThat(RegistryState.parse(Schemas.USER_V2_WITH_DEFAULT).toString())
        .isNotEqualTo(RegistryState.parse(Schemas.USER_V1).toString());
  }

  private void apply(ProducerRecord<String, String> record) {
    state.apply(record.key(), record.value());
  }
}
