package dev.flywheel.evaluator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.flywheel.evaluator.RollbackRule.Live;
import dev.flywheel.evaluator.RollbackRule.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RollbackRuleTest {

  @ParameterizedTest(name = "z={0} -> {1}")
  @CsvSource({"0, 0.5", "1.6448536, 0.95", "1.959964, 0.975", "-1.959964, 0.025", "3, 0.9986501"})
  void shouldComputeTheStandardNormalCdf(double z, double expected) {
    assertThat(RollbackRule.normalCdf(z)).isCloseTo(expected, within(1e-6));
  }

  @Test
  void shouldRollBackOnASignificantDropWithEnoughFeedback() {
    // 60/100 vs 80/100: pooled 0.7, se = sqrt(0.21 * 0.02) = 0.0648, z = 3.086, p = 0.00101.
    Verdict verdict = RollbackRule.judge(new Live(60, 100), new Live(80, 100), 50, 0.05);

    assertThat(verdict.rollBack()).isTrue();
    assertThat(Double.parseDouble(verdict.evidence().get("z"))).isCloseTo(3.086, within(1e-3));
    assertThat(Double.parseDouble(verdict.evidence().get("pValue")))
        .isCloseTo(0.00101, within(2e-5));
    assertThat(verdict.evidence()).containsEntry("championLiveAccuracy", "0.6000");
  }

  @Test
  void shouldNotRollBackWithoutEnoughFeedbackOnEitherVersion() {
    assertThat(RollbackRule.judge(new Live(10, 49), new Live(80, 100), 50, 0.05).rollBack())
        .isFalse();
    assertThat(RollbackRule.judge(new Live(10, 100), new Live(49, 49), 50, 0.05).rollBack())
        .isFalse();
    assertThat(RollbackRule.judge(new Live(10, 100), new Live(49, 49), 50, 0.05).evidence())
        .containsEntry("outcome", "not enough feedback");
  }

  @Test
  void shouldNotRollBackOnADropThatIsNotSignificant() {
    // 75/100 vs 80/100: z = 0.846, p = 0.199.
    assertThat(RollbackRule.judge(new Live(75, 100), new Live(80, 100), 50, 0.05).rollBack())
        .isFalse();
  }

  @Test
  void shouldNotRollBackWhenTheChampionIsBetter() {
    assertThat(RollbackRule.judge(new Live(95, 100), new Live(60, 100), 50, 0.05).rollBack())
        .isFalse();
  }

  @Test
  void shouldNotRollBackWhenBothAreAlwaysRight() {
    Verdict verdict = RollbackRule.judge(new Live(100, 100), new Live(100, 100), 50, 0.05);
    assertThat(verdict.rollBack()).isFalse();
    assertThat(verdict.evidence().get("outcome")).startsWith("no variance");
  }
}
