package dev.flywheel.evaluator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class McNemarTest {

  @ParameterizedTest(name = "b={0} c={1} -> p={2}")
  @CsvSource({
    // 2 * (C(12,0) + C(12,1) + C(12,2)) / 2^12 = 2 * 79 / 4096
    "10, 2, 0.03857421875",
    "2, 10, 0.03857421875",
    // 2 * (1 + 10) / 2^10
    "9, 1, 0.021484375",
    // 2 / 2^5
    "5, 0, 0.0625",
    // 2 * (1 + 6 + 15) / 2^6
    "4, 2, 0.6875",
    "7, 7, 1.0",
    "1, 0, 1.0",
    "0, 0, 1.0",
  })
  void shouldMatchHandComputedTwoSidedExactPValues(long b, long c, double expected) {
    assertThat(McNemar.exactPValue(b, c)).isCloseTo(expected, within(1e-12));
  }

  @Test
  void shouldStayFiniteAndAccurateForLargeTables() {
    // b=c gives exactly 1; a lopsided large table gives a tiny but positive p.
    assertThat(McNemar.exactPValue(5000, 5000)).isEqualTo(1.0);
    double p = McNemar.exactPValue(600, 400);
    assertThat(p).isBetween(1e-12, 1e-8);
    // Normal approximation with continuity correction: chi2 = (|600-400|-1)^2/1000 = 39.6 -> p ~
    // 3.1e-10.
    assertThat(Math.log10(p)).isCloseTo(Math.log10(3.1e-10), within(0.3));
  }

  @Test
  void shouldRejectNegativeCounts() {
    assertThatThrownBy(() -> McNemar.exactPValue(-1, 3))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
