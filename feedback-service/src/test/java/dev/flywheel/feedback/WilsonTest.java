package dev.flywheel.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WilsonTest {
  @Test
  void shouldMatchTheTextbookIntervalForTwoOfFour() {
    Wilson w = Wilson.of(2, 4);
    assertThat(w.estimate()).isEqualTo(0.5);
    assertThat(w.lower()).isCloseTo(0.1500, within(1e-4));
    assertThat(w.upper()).isCloseTo(0.8500, within(1e-4));
  }

  @Test
  void shouldStayInsideZeroAndOneAtTheExtremes() {
    Wilson none = Wilson.of(0, 10);
    assertThat(none.lower()).isEqualTo(0.0);
    assertThat(none.upper()).isCloseTo(0.2775, within(1e-4));
    Wilson all = Wilson.of(10, 10);
    assertThat(all.upper()).isCloseTo(1.0, within(1e-12));
    assertThat(all.lower()).isCloseTo(0.7225, within(1e-4));
  }

  @Test
  void shouldNarrowWithMoreTrials() {
    assertThat(Wilson.of(900, 1000).upper() - Wilson.of(900, 1000).lower())
        .isLessThan(Wilson.of(9, 10).upper() - Wilson.of(9, 10).lower());
  }

  @Test
  void shouldRejectImpossibleCounts() {
    assertThatThrownBy(() -> Wilson.of(3, 2)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Wilson.of(0, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
