package dev.flywheel.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExampleIdsTest {
  @Test
  void shouldNormaliseCaseWhitespaceAndUnicodeForm() {
    assertThat(ExampleIds.normalise("  Hello \t\n  WORLD  ")).isEqualTo("hello world");
    // NFKC: the ligature "ﬁ" and full-width letters become plain letters.
    assertThat(ExampleIds.normalise("ﬁne ＡＢＣ")).isEqualTo("fine abc");
    assertThat(ExampleIds.normalise("Cafe\u0301")).isEqualTo("café");
  }

  @Test
  void shouldGiveTheSameIdToTextsThatNormaliseAlike() {
    assertThat(ExampleIds.of("sentiment", "Great  product!"))
        .isEqualTo(ExampleIds.of("sentiment", " great product! "));
  }

  @Test
  void shouldSeparateModels() {
    assertThat(ExampleIds.of("sentiment", "great")).isNotEqualTo(ExampleIds.of("topic", "great"));
    // The separator keeps "a"+"bc" apart from "ab"+"c".
    assertThat(ExampleIds.of("a", "bc")).isNotEqualTo(ExampleIds.of("ab", "c"));
  }

  @Test
  void shouldBeTheFirst32HexCharactersOfSha256() {
    // sha256("m\u0000hello") computed independently (sha256sum of printf 'm\0hello').
    assertThat(ExampleIds.of("m", "Hello")).isEqualTo("ceeefc2ffbf7e824321da8464fe34abe");
  }
}
