package dev.flywheel.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class CompatibilityLevelTest {
  private static final Schema V1 = parse(Schemas.USER_V1);
  private static final Schema V2 = parse(Schemas.USER_V2_WITH_DEFAULT);
  private static final Schema REQUIRED_AGE = parse(Schemas.USER_ADDS_REQUIRED_FIELD);
  private static final Schema NAME_AS_INT = parse(Schemas.USER_NAME_AS_INT);

  @Test
  void shouldAcceptAnAddedFieldWithADefaultUnderEveryLevel() {
    for (CompatibilityLevel level : CompatibilityLevel.values()) {
      assertThat(level.check(V2, List.of(V1))).as(level.name()).isEmpty();
    }
  }

  @Test
  void shouldRejectAnAddedRequiredFieldBackwardButNotForward() {
    assertThat(CompatibilityLevel.BACKWARD.check(REQUIRED_AGE, List.of(V1)))
        .singleElement()
        .asString()
        .contains("READER_FIELD_MISSING_DEFAULT_VALUE");
    assertThat(CompatibilityLevel.FULL.check(REQUIRED_AGE, List.of(V1))).isNotEmpty();
    // An old reader ignores the new field, so FORWARD holds.
    assertThat(CompatibilityLevel.FORWARD.check(REQUIRED_AGE, List.of(V1))).isEmpty();
    assertThat(CompatibilityLevel.NONE.check(NAME_AS_INT, List.of(V1))).isEmpty();
  }

  @Test
  void shouldCheckOnlyTheLatestVersionUnlessTransitive() {
    // Latest is V1 again after NAME_AS_INT (under NONE): only a transitive level sees the old type.
    List<Schema> history = List.of(NAME_AS_INT, V1);

    assertThat(CompatibilityLevel.BACKWARD.check(V2, history)).isEmpty();
    assertThat(CompatibilityLevel.BACKWARD_TRANSITIVE.check(V2, history)).isNotEmpty();
    assertThat(CompatibilityLevel.FORWARD_TRANSITIVE.check(V2, history)).isNotEmpty();
    assertThat(CompatibilityLevel.FULL_TRANSITIVE.check(V2, history)).isNotEmpty();
  }

  @Test
  void shouldParseLevelNamesCaseInsensitivelyAndRejectOthers() {
    assertThat(CompatibilityLevel.parse("full_transitive"))
        .contains(CompatibilityLevel.FULL_TRANSITIVE);
    assertThat(CompatibilityLevel.parse(" Backward ")).contains(CompatibilityLevel.BACKWARD);
    assertThat(CompatibilityLevel.parse("SIDEWAYS")).isEmpty();
    assertThat(CompatibilityLevel.parse(null)).isEmpty();
  }

  private static Schema parse(String text) {
    return new Schema.Parser().parse(text);
  }
}
