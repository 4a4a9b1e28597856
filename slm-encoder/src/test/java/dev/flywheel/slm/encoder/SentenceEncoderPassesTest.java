package dev.flywheel.slm.encoder;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** How texts are grouped into forward passes: similar lengths together, bounded padding. */
class SentenceEncoderPassesTest {

  private static List<long[]> ofLengths(int... lengths) {
    List<long[]> out = new ArrayList<>();
    for (int l : lengths) {
      out.add(new long[l]);
    }
    return out;
  }

  @Test
  void groupsSimilarLengthsAndKeepsALongTextApart() {
    List<int[]> passes = SentenceEncoder.passes(ofLengths(40, 5, 6, 5, 41, 6));
    assertThat(passes).extracting(Arrays::toString).containsExactly("[1, 3, 2, 5]", "[0, 4]");
  }

  @Test
  void everyTextIsInExactlyOnePassOfAtMost32WithBoundedPadding() {
    Random random = new Random(7);
    int[] lengths = new int[500];
    for (int i = 0; i < lengths.length; i++) {
      lengths[i] = 2 + random.nextInt(127);
    }
    List<int[]> passes = SentenceEncoder.passes(ofLengths(lengths));
    assertThat(passes.stream().flatMapToInt(Arrays::stream).sorted().toArray())
        .isEqualTo(java.util.stream.IntStream.range(0, lengths.length).toArray());
    for (int[] pass : passes) {
      assertThat(pass.length).isBetween(1, 32);
      int max = Arrays.stream(pass).map(i -> lengths[i]).max().orElseThrow();
      int real = Arrays.stream(pass).map(i -> lengths[i]).sum();
      assertThat((double) pass.length * max)
          .isLessThanOrEqualTo((1 + SentenceEncoder.MAX_PADDING) * real);
    }
    assertThat(SentenceEncoder.passes(ofLengths(Collections32.equal(70, 9))))
        .extracting(p -> p.length)
        .containsExactly(32, 32, 6);
    assertThat(SentenceEncoder.passes(List.of())).isEmpty();
  }

  private static final class Collections32 {
    static int[] equal(int n, int length) {
      int[] out = new int[n];
      Arrays.fill(out, length);
      return out;
    }
  }
}
