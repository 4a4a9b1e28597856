package dev.flywheel.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HoldoutTest {
  private static final int IDS = 20_000;

  @Test
  void shouldHoldOutTheRequestedShareWithinTolerance() {
    for (double share : new double[] {0.05, 0.1, 0.2, 0.5}) {
      long held =
          IntStream.range(0, IDS)
              .mapToObj(i -> ExampleIds.of("sentiment", "text number " + i))
              .filter(id -> Holdout.isHoldout(id, share))
              .count();
      // 4 standard deviations of a binomial(20000, share): fails by chance about once in 15000.
      double tolerance = 4 * Math.sqrt(share * (1 - share) / IDS);
      assertThat((double) held / IDS).as("share %s", share).isCloseTo(share, within(tolerance));
    }
  }

  @Test
  void shouldBeStableAndNested() {
    String id = ExampleIds.of("sentiment", "stable");
    boolean first = Holdout.isHoldout(id, 0.3);
    for (int i = 0; i < 10; i++) {
      assertThat(Holdout.isHoldout(id, 0.3)).isEqualTo(first);
    }
    // A growing share only adds examples to the holdout, never moves one out of it.
    IntStream.range(0, 2_000)
        .mapToObj(i -> "id-" + i)
        .filter(x -> Holdout.isHoldout(x, 0.1))
        .forEach(x -> assertThat(Holdout.isHoldout(x, 0.2)).isTrue());
  }

  @Test
  void shouldHoldOutNothingAtZeroAndEverythingAtOne() {
    assertThat(IntStream.range(0, 1_000).mapToObj(i -> "id-" + i))
        .noneMatch(x -> Holdout.isHoldout(x, 0.0))
        .allMatch(x -> Holdout.isHoldout(x, 1.0));
  }

  @Test
  void shouldKnowAFixedPositionForAFixedId() {
    // First 8 bytes of sha256("abc") = ba7816bf8f01cfea; 0xba7816bf8f01cfea / 2^64 = 0.7284...
    assertThat(Holdout.position("abc")).isCloseTo(0x0.ba7816bf8f01cfeap0, within(1e-15));
  }

  @Test
  void shouldRejectAShareOutsideZeroToOne() {
    assertThatThrownBy(() -> Holdout.isHoldout("x", 1.5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Holdout.isHoldout("x", Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
