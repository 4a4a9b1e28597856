package dev.flywheel.slm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class EvaluationTest {

  @Test
  void shouldComputeMetricsThatMatchHandComputedValues() {
    List<String> labels = List.of("a", "b", "c");
    List<ExampleOutcome> outcomes =
        List.of(
            new ExampleOutcome("e5", "b", "b", 0.65f, true),
            new ExampleOutcome("e1", "a", "a", 0.95f, true),
            new ExampleOutcome("e2", "a", "a", 0.85f, true),
            new ExampleOutcome("e3", "a", "b", 0.55f, false),
            new ExampleOutcome("e4", "b", "b", 0.75f, true),
            new ExampleOutcome("e6", "c", "a", 0.45f, false));
    EvaluationReport r = EvaluationReport.of(labels, outcomes, 1.5, 2.5);
    // 4 of 6 right.
    assertThat(r.accuracy()).isCloseTo(4.0 / 6, within(1e-12));
    // a: tp 2, predicted 3, support 3 -> p 2/3, r 2/3, f1 2/3
    // b: tp 2, predicted 3, support 2 -> p 2/3, r 1, f1 0.8
    // c: tp 0, predicted 0, support 1 -> 0, 0, 0
    assertThat(r.perLabel().get("a")).isEqualTo(new LabelMetrics(2.0 / 3, 2.0 / 3, 2.0 / 3, 3));
    assertThat(r.perLabel().get("b").precision()).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(r.perLabel().get("b").recall()).isEqualTo(1.0);
    assertThat(r.perLabel().get("b").f1()).isCloseTo(0.8, within(1e-12));
    assertThat(r.perLabel().get("c")).isEqualTo(new LabelMetrics(0, 0, 0, 1));
    assertThat(r.macroF1()).isCloseTo((2.0 / 3 + 0.8 + 0) / 3, within(1e-12));
    assertThat(r.confusion()).isDeepEqualTo(new int[][] {{2, 1, 0}, {0, 2, 0}, {1, 0, 0}});
    // Bins: 0.9 {0.95 ok}, 0.8 {0.85 ok}, 0.7 {0.75 ok}, 0.6 {0.65 ok}, 0.5 {0.55 wrong}, 0.4 {0.45
    // wrong}
    double ece = (0.05 + 0.15 + 0.25 + 0.35 + 0.55 + 0.45) / 6;
    assertThat(r.expectedCalibrationError()).isCloseTo(ece, within(1e-6));
    assertThat(r.outcomes())
        .extracting(ExampleOutcome::id)
        .containsExactly("e1", "e2", "e3", "e4", "e5", "e6");
    assertThat(r.correctness()).containsExactly(true, true, false, true, true, false);
    assertThat(r.latencyP50Millis()).isEqualTo(1.5);
    assertThat(r.examples()).isEqualTo(6);
  }

  @Test
  void shouldTakeNearestRankPercentiles() {
    double[] v = {5, 1, 4, 2, 3, 10, 9, 8, 7, 6};
    assertThat(Evaluator.percentile(v, 0.5)).isEqualTo(5);
    assertThat(Evaluator.percentile(v, 0.95)).isEqualTo(10);
    assertThat(Evaluator.percentile(new double[0], 0.5)).isNaN();
  }

  @Test
  void shouldEvaluateAClassifierWithLatency() throws Exception {
    try (Classifier c = Classifier.load(TestModels.trained(Architecture.BAG).bundle())) {
      List<Example> examples = TestData.topics(10);
      EvaluationReport r = Evaluator.evaluate(c, examples, 20);
      assertThat(r.examples()).isEqualTo(30);
      assertThat(r.accuracy()).isGreaterThan(0.8);
      assertThat(r.latencyP50Millis()).isPositive().isLessThanOrEqualTo(r.latencyP95Millis());
      assertThat(r.outcomes())
          .isSortedAccordingTo(java.util.Comparator.comparing(ExampleOutcome::id));
      assertThat(Evaluator.evaluate(c, examples, 0).latencyP50Millis()).isNaN();
      assertThatThrownBy(() -> Evaluator.evaluate(c, List.of(new Example("x", "t", "plant")), 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("plant");
    }
  }
}
