package dev.flywheel.slm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NetworksTest {
  private static final Tokenizer TOKENIZER =
      Tokenizer.build(List.of("床前明月光 moon light", "明月 bright moon"), 1, 100, 8);

  private static Hyperparameters bag(int cjkNgrams) {
    return Hyperparameters.defaults(Architecture.BAG)
        .withValues(
            Map.of(
                "sequenceLength", "8",
                "bigramBuckets", "1000",
                "cjkNgrams", Integer.toString(cjkNgrams)));
  }

  @Test
  void shouldKeepTheLayoutOfTokensAndPairsWithoutCharacterTrigrams() {
    int[] ids = TOKENIZER.encode("床前明月光 moon");
    int[] features = Networks.features(ids, bag(1), TOKENIZER);

    assertThat(features).hasSize(2 * 8 - 1);
    assertThat(Arrays.copyOf(features, 8)).isEqualTo(ids);
    // Five characters and a word: five pairs, then pairs touching [PAD] are 0.
    assertThat(Arrays.stream(features, 8, 13).boxed())
        .allMatch(id -> id >= TOKENIZER.vocabularySize());
    assertThat(Arrays.copyOfRange(features, 13, 15)).containsOnly(0);
    assertThat(features).isEqualTo(Networks.features(ids, bag(2), TOKENIZER));
  }

  @Test
  void shouldAddATrigramForEveryThreeAdjacentCjkCharactersOnly() {
    int[] ids = TOKENIZER.encode("床前明月光 moon");
    int[] features = Networks.features(ids, bag(3), TOKENIZER);

    assertThat(features).hasSize(3 * 8 - 3);
    assertThat(Arrays.copyOf(features, 15)).isEqualTo(Networks.features(ids, bag(1), TOKENIZER));
    int[] trigrams = Arrays.copyOfRange(features, 15, 21);
    // 床前明, 前明月, 明月光 are characters; 月光+moon and anything with [PAD] are not.
    assertThat(Arrays.stream(trigrams, 0, 3).boxed())
        .allMatch(id -> id >= TOKENIZER.vocabularySize())
        .doesNotHaveDuplicates();
    assertThat(Arrays.copyOfRange(trigrams, 3, 6)).containsOnly(0);
    assertThat(Networks.inputLength(bag(3))).isEqualTo(features.length);
  }

  @Test
  void shouldLeaveTextWithoutCjkCharactersAsBefore() {
    int[] ids = TOKENIZER.encode("bright moon light moon bright");
    int[] features = Networks.features(ids, bag(3), TOKENIZER);

    assertThat(Arrays.copyOfRange(features, 15, 21)).containsOnly(0);
    assertThat(Arrays.copyOf(features, 15)).isEqualTo(Networks.features(ids, bag(1), TOKENIZER));
  }

  @Test
  void shouldAddNothingWithoutBigramBuckets() {
    Hyperparameters noBuckets = bag(3).withValues(Map.of("bigrams", "false"));
    int[] ids = TOKENIZER.encode("床前明月光");

    assertThat(Networks.features(ids, noBuckets, TOKENIZER)).isEqualTo(ids);
    assertThat(Networks.inputLength(noBuckets)).isEqualTo(8);
  }

  @Test
  void shouldHashTheSameTrigramToTheSameBucketWhereverItStands() {
    int[] a = Networks.features(TOKENIZER.encode("床前明"), bag(3), TOKENIZER);
    int[] b = Networks.features(TOKENIZER.encode("光 床前明"), bag(3), TOKENIZER);

    assertThat(a[15]).isNotZero().isEqualTo(b[16]);
  }
}
