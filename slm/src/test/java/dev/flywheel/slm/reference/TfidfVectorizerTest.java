package dev.flywheel.slm.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class TfidfVectorizerTest {

  @Test
  void shouldMakeWordUnigramsAndBigramsAcrossPunctuation() {
    assertThat(TfidfVectorizer.terms("The cat, the HAT."))
        .containsExactly("the", "cat", "the cat", "the", "cat the", "hat", "the hat");
  }

  @Test
  void shouldMakeCharacterOneToThreeGramsInsideCjkRunsOnly() {
    assertThat(TfidfVectorizer.terms("我爱北京"))
        .containsExactly("我", "我爱", "我爱北", "爱", "爱北", "爱北京", "北", "北京", "京");
    // Punctuation ends a run; words around a CJK run form no bigram.
    assertThat(TfidfVectorizer.terms("hello 世界。好 world"))
        .containsExactly("hello", "世", "世界", "界", "好", "world");
  }

  @Test
  void shouldWeighSublinearTfBySmoothedIdfAndNormaliseRows() {
    TfidfVectorizer v = TfidfVectorizer.fit(List.of("apple banana", "apple cherry apple"));
    // n = 2; apple is in both texts, everything else in one.
    assertThat(v.idf("apple")).isCloseTo(1.0, within(1e-12));
    double rare = Math.log(3.0 / 2.0) + 1.0;
    assertThat(v.idf("banana")).isCloseTo(rare, within(1e-12));
    assertThat(v.idf("cherry apple")).isCloseTo(rare, within(1e-12));
    assertThat(v.size()).isEqualTo(6); // apple, banana, cherry and three bigrams

    // Second text: apple twice (1 + ln 2), cherry, "apple cherry", "cherry apple" once each.
    TfidfVectorizer.SparseVector row = v.transform("apple cherry apple");
    double apple = 1 + Math.log(2);
    double norm = Math.sqrt(apple * apple + 3 * rare * rare);
    assertThat(row.size()).isEqualTo(4);
    assertThat(valueOf(v, row, "apple")).isCloseTo(apple / norm, within(1e-12));
    assertThat(valueOf(v, row, "cherry")).isCloseTo(rare / norm, within(1e-12));
    assertThat(valueOf(v, row, "apple cherry")).isCloseTo(rare / norm, within(1e-12));
    assertThat(valueOf(v, row, "banana")).isZero();

    // Unknown terms are ignored; a text of unknown terms is an empty row.
    assertThat(v.transform("durian").size()).isZero();
    assertThat(valueOf(v, v.transform("banana durian"), "banana")).isCloseTo(1.0, within(1e-12));
  }

  private static double valueOf(TfidfVectorizer v, TfidfVectorizer.SparseVector row, String term) {
    int col = v.column(term);
    for (int i = 0; i < row.size(); i++) {
      if (row.indices()[i] == col) {
        return row.values()[i];
      }
    }
    return 0;
  }
}
