package dev.flywheel.slm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenizerTest {

  @Test
  void shouldSplitCjkIntoCharactersAndAlphabeticTextIntoWords() {
    assertThat(Tokenizer.tokenize("東京タワーへ行く dog!"))
        .containsExactly("東", "京", "タ", "ワ", "ー", "へ", "行", "く", "dog");
    assertThat(Tokenizer.tokenize("한국어 text")).containsExactly("한", "국", "어", "text");
  }

  @Test
  void shouldKeepAccentsAndLowerCaseAfterNfkc() {
    assertThat(Tokenizer.tokenize("Café CRÈME Ｆｕｌｌ-width ﬁne"))
        .containsExactly("café", "crème", "full", "width", "fine");
    // Decomposed e + combining acute normalises to the same token as the composed form.
    assertThat(Tokenizer.tokenize("cafe\u0301")).containsExactly("café");
  }

  @Test
  void shouldEncodeEmptyTextAsPaddingOnly() {
    Tokenizer t = Tokenizer.build(List.of("a b"), 1, 10, 4);
    assertThat(Tokenizer.tokenize("")).isEmpty();
    assertThat(t.encode("")).containsExactly(0, 0, 0, 0);
    assertThat(t.encode("  ,;! ")).containsExactly(0, 0, 0, 0);
  }

  @Test
  void shouldTruncateVeryLongTextToSequenceLength() {
    Tokenizer t = Tokenizer.build(List.of("word other"), 1, 10, 8);
    String longText = "word ".repeat(200_000);
    int[] ids = t.encode(longText);
    assertThat(ids).hasSize(8).containsOnly(t.id("word"));
  }

  @Test
  void shouldOrderVocabularyByFrequencyThenTokenAndApplyLimits() {
    Tokenizer t = Tokenizer.build(List.of("b a c c", "a c d", "e"), 2, 4, 5);
    // c:3, a:2 (b, d, e occur once: below minFrequency 2); maxVocab 4 includes [PAD] and [UNK].
    assertThat(t.vocabulary()).containsExactly("[PAD]", "[UNK]", "c", "a");
    assertThat(t.encode("a zebra c")).containsExactly(3, 1, 2, 0, 0);
    Tokenizer tie = Tokenizer.build(List.of("z y x"), 1, 10, 3);
    assertThat(tie.vocabulary()).containsExactly("[PAD]", "[UNK]", "x", "y", "z");
  }

  @Test
  void shouldRoundTripVocabularyWithTheSameHash() {
    Tokenizer t = Tokenizer.build(List.of("ein Hund", "東京", "café"), 1, 100, 6);
    Tokenizer loaded = Tokenizer.fromVocabulary(t.vocabularyBytes(), 6);
    assertThat(loaded.vocabulary()).isEqualTo(t.vocabulary());
    assertThat(loaded.vocabularyHash()).isEqualTo(t.vocabularyHash()).hasSize(64);
    assertThat(loaded.encode("café 東")).isEqualTo(t.encode("café 東"));
    assertThat(Tokenizer.build(List.of("other"), 1, 100, 6).vocabularyHash())
        .isNotEqualTo(t.vocabularyHash());
  }

  @Test
  void shouldRefuseVocabularyWithoutSpecialTokens() {
    assertThatThrownBy(() -> Tokenizer.fromVocabulary("a\nb\n".getBytes(), 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[PAD]");
  }

  @Test
  void shouldMeasureCoverageOfTokenOccurrences() {
    Tokenizer t = Tokenizer.build(List.of("a b"), 1, 10, 4);
    assertThat(t.coverage(List.of("a b c d"))).isEqualTo(0.5);
    assertThat(t.coverage(List.of(""))).isEqualTo(1.0);
  }
}
