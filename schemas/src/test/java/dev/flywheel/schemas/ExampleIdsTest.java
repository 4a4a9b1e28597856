package dev.flywheel.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Pattern;
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

  @Test
  void shouldCollapseWhitespaceExactlyAsTheRegexItReplaced() {
    // Example ids are persisted: normalise must stay what "\\s+" -> " " then trim() gave.
    Pattern regex = Pattern.compile("\\s+");
    String alphabet = "ab \t\n\u000B\f\r\u00A0\u2003\u0001xY";
    Random random = new Random(42);
    for (int i = 0; i < 20_000; i++) {
      StringBuilder text = new StringBuilder();
      for (int n = random.nextInt(12); n > 0; n--) {
        text.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String nfkc =
          java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFKC)
              .toLowerCase(java.util.Locale.ROOT);
      assertThat(ExampleIds.normalise(text.toString()))
          .as("normalise(%s)", text.toString().chars().boxed().toList())
          .isEqualTo(regex.matcher(nfkc).replaceAll(" ").trim());
    }
  }
}
