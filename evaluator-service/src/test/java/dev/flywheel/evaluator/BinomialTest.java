package dev.flywheel.evaluator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BinomialTest {

  /** Reference values: exact sums of C(n, i) p^i (1-p)^(n-i) in rational arithmetic. */
  @ParameterizedTest(name = "P(X >= {0}) for n={1}, p={2}")
  @CsvSource({
    "8, 10, 0.5, 0.0546875",
    "15, 20, 0.5, 0.020694732666015625",
    "40, 100, 0.3, 0.02098857600392468",
    "24, 192, 0.125, 0.5326273763139027",
    "40, 192, 0.125, 0.0007871065612689615",
    "2200, 5000, 0.42, 0.0022140687010381533",
    "2100, 5000, 0.42, 0.5054104706051522",
    "30, 30, 0.9, 0.0423911582752162",
    "1, 1, 0.3333333333333333, 0.3333333333333333"
  })
  void shouldMatchTheExactUpperTail(long k, long n, double p, double expected) {
    assertThat(Binomial.upperTail(k, n, p)).isCloseTo(expected, within(expected * 1e-9));
  }

  @Test
  void shouldAgreeWithMcNemarAtOneHalf() {
    // McNemar's two-sided p-value is twice the upper tail of Binomial(b + c, 1/2) at max(b, c).
    assertThat(2 * Binomial.upperTail(10, 12, 0.5))
        .isCloseTo(McNemar.exactPValue(2, 10), within(1e-12));
  }

  @Test
  void shouldHandleTheEdgesOfItsDomain() {
    assertThat(Binomial.upperTail(0, 50, 0.3)).isEqualTo(1.0);
    assertThat(Binomial.upperTail(0, 0, 0.3)).isEqualTo(1.0);
    assertThat(Binomial.upperTail(1, 50, 0.0)).isEqualTo(0.0);
    assertThat(Binomial.upperTail(50, 50, 1.0)).isEqualTo(1.0);
    assertThat(Binomial.upperTail(50, 50, 0.5)).isCloseTo(Math.pow(0.5, 50), within(1e-25));
  }

  @Test
  void shouldStayFiniteAndOrderedForLargeEvaluationSets() {
    double below = Binomial.upperTail(52_000, 100_000, 0.5);
    double above = Binomial.upperTail(51_000, 100_000, 0.5);

    assertThat(below).isGreaterThan(0.0).isLessThan(above);
    assertThat(above).isLessThan(1e-9);
    assertThat(Binomial.upperTail(49_000, 100_000, 0.5)).isCloseTo(1.0, within(1e-9));
  }

  @Test
  void shouldRefuseImpossibleArguments() {
    assertThatThrownBy(() -> Binomial.upperTail(11, 10, 0.5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Binomial.upperTail(1, 10, 1.5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Binomial.upperTail(1, 10, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
