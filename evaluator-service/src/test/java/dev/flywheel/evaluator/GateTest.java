package dev.flywheel.evaluator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.flywheel.events.Decision;
import dev.flywheel.events.GateCheck;
import dev.flywheel.events.GatePolicy;
import dev.flywheel.events.LabelMetrics;
import dev.flywheel.events.ModelMetrics;
import dev.flywheel.events.PriorBaseline;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GateTest {

  /** A policy where every check passes unless a case tightens one. */
  private static GatePolicy.Builder lenient() {
    return GatePolicy.newBuilder()
        .setMinAccuracy(0.0)
        .setMinMacroF1(0.0)
        .setMaxAccuracyRegression(1.0)
        .setMaxMacroF1Regression(1.0)
        .setMaxLabelRecallRegression(1.0)
        .setMinImprovement(-1.0)
        .setRequireSignificance(false)
        .setSignificanceLevel(0.05)
        .setMaxLatencyP95Millis(null)
        .setMaxSizeBytes(null);
  }

  private static ModelMetrics metrics(
      double accuracy, double macroF1, double recallA, double recallB, double p95, long size) {
    return ModelMetrics.newBuilder()
        .setExamples(100)
        .setAccuracy(accuracy)
        .setMacroF1(macroF1)
        .setPerLabel(
            Map.of(
                "a",
                    LabelMetrics.newBuilder()
                        .setPrecision(0.8)
                        .setRecall(recallA)
                        .setSupport(50)
                        .build(),
                "b",
                    LabelMetrics.newBuilder()
                        .setPrecision(0.8)
                        .setRecall(recallB)
                        .setSupport(50)
                        .build()))
        .setLatencyP95Ms(p95)
        .setSizeBytes(size)
        .build();
  }

  private static final ModelMetrics CHAMPION = metrics(0.80, 0.78, 0.80, 0.80, 5.0, 1_000);

  /** A prior for tests whose lenient policy makes the prior checks pass whatever it is. */
  private static final Gate.PriorComparison ANY_PRIOR =
      new Gate.PriorComparison(
          PriorBaseline.newBuilder()
              .setMajorityLabel("a")
              .setMajorityAccuracy(0.5)
              .setClassPriorAccuracy(0.5)
              .build(),
          80,
          100);

  /** Paired correctness with the given cell counts of the 2x2 table. */
  private static Gate.Comparison paired(
      ModelMetrics champion, int both, int b, int c, int neither) {
    int n = both + b + c + neither;
    boolean[] candidate = new boolean[n];
    boolean[] championCorrect = new boolean[n];
    int i = 0;
    for (int k = 0; k < both; k++, i++) {
      candidate[i] = true;
      championCorrect[i] = true;
    }
    for (int k = 0; k < b; k++, i++) {
      championCorrect[i] = true;
    }
    for (int k = 0; k < c; k++, i++) {
      candidate[i] = true;
    }
    return new Gate.Comparison(champion, candidate, championCorrect);
  }

  static Stream<Arguments> boundaries() {
    ModelMetrics base = metrics(0.80, 0.78, 0.80, 0.80, 5.0, 1_000);
    Gate.Comparison tie = paired(CHAMPION, 80, 0, 0, 20);
    return Stream.of(
        // name, policy tweak, candidate, champion (null = none), check, expected verdict
        row(
            "min_accuracy at threshold",
            p -> p.setMinAccuracy(0.80),
            base,
            null,
            "min_accuracy",
            true),
        row("min_accuracy below", p -> p.setMinAccuracy(0.8001), base, null, "min_accuracy", false),
        row(
            "min_macro_f1 at threshold",
            p -> p.setMinMacroF1(0.78),
            base,
            null,
            "min_macro_f1",
            true),
        row("min_macro_f1 below", p -> p.setMinMacroF1(0.7801), base, null, "min_macro_f1", false),
        row(
            "accuracy regression at limit",
            p -> p.setMaxAccuracyRegression(0.02),
            metrics(0.78, 0.78, 0.8, 0.8, 5, 1000),
            tie,
            "accuracy_regression",
            true),
        row(
            "accuracy regression over limit",
            p -> p.setMaxAccuracyRegression(0.02),
            metrics(0.779, 0.78, 0.8, 0.8, 5, 1000),
            tie,
            "accuracy_regression",
            false),
        row(
            "macro-F1 regression at limit",
            p -> p.setMaxMacroF1Regression(0.03),
            metrics(0.80, 0.75, 0.8, 0.8, 5, 1000),
            tie,
            "macro_f1_regression",
            true),
        row(
            "macro-F1 regression over limit",
            p -> p.setMaxMacroF1Regression(0.03),
            metrics(0.80, 0.749, 0.8, 0.8, 5, 1000),
            tie,
            "macro_f1_regression",
            false),
        row(
            "label recall regression at limit",
            p -> p.setMaxLabelRecallRegression(0.1),
            metrics(0.80, 0.78, 0.70, 0.9, 5, 1000),
            tie,
            "recall_regression:a",
            true),
        row(
            "label recall regression over limit",
            p -> p.setMaxLabelRecallRegression(0.1),
            metrics(0.80, 0.78, 0.69, 0.9, 5, 1000),
            tie,
            "recall_regression:a",
            false),
        row(
            "label recall regression on fewer examples than min_label_support: shown, not gated",
            p -> p.setMaxLabelRecallRegression(0.1).setMinLabelSupport(51),
            metrics(0.80, 0.78, 0.50, 0.9, 5, 1000),
            tie,
            "recall_regression:a",
            true),
        row(
            "label recall regression at exactly min_label_support: gated",
            p -> p.setMaxLabelRecallRegression(0.1).setMinLabelSupport(50),
            metrics(0.80, 0.78, 0.50, 0.9, 5, 1000),
            tie,
            "recall_regression:a",
            false),
        row(
            "improvement at minimum",
            p -> p.setMinImprovement(0.05),
            metrics(0.85, 0.78, 0.8, 0.8, 5, 1000),
            tie,
            "min_improvement",
            true),
        row(
            "improvement below minimum",
            p -> p.setMinImprovement(0.05),
            metrics(0.849, 0.78, 0.8, 0.8, 5, 1000),
            tie,
            "min_improvement",
            false),
        // b=2, c=10 -> p=0.0386
        row(
            "significant gain at 0.05",
            p -> p.setRequireSignificance(true).setSignificanceLevel(0.05),
            metrics(0.88, 0.78, 0.8, 0.8, 5, 1000),
            paired(CHAMPION, 78, 2, 10, 10),
            "significance",
            true),
        row(
            "same gain not significant at 0.01",
            p -> p.setRequireSignificance(true).setSignificanceLevel(0.01),
            metrics(0.88, 0.78, 0.8, 0.8, 5, 1000),
            paired(CHAMPION, 78, 2, 10, 10),
            "significance",
            false),
        row(
            "significant loss is no pass",
            p -> p.setRequireSignificance(true).setSignificanceLevel(0.05),
            metrics(0.72, 0.78, 0.8, 0.8, 5, 1000),
            paired(CHAMPION, 70, 10, 2, 18),
            "significance",
            false),
        row(
            "latency at budget",
            p -> p.setMaxLatencyP95Millis(5.0),
            base,
            null,
            "latency_p95",
            true),
        row(
            "latency over budget",
            p -> p.setMaxLatencyP95Millis(4.99),
            base,
            null,
            "latency_p95",
            false),
        row(
            "latency not measured",
            p -> p.setMaxLatencyP95Millis(5.0),
            ModelMetrics.newBuilder(base).setLatencyP95Ms(null).build(),
            null,
            "latency_p95",
            false),
        row("size at budget", p -> p.setMaxSizeBytes(1_000L), base, null, "size_bytes", true),
        row("size over budget", p -> p.setMaxSizeBytes(999L), base, null, "size_bytes", false));
  }

  private static Arguments row(
      String name,
      Consumer<GatePolicy.Builder> tweak,
      ModelMetrics candidate,
      Gate.Comparison champion,
      String check,
      boolean passes) {
    return Arguments.of(name, tweak, candidate, champion, check, passes);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("boundaries")
  void shouldPassEachCheckAtItsBoundaryAndFailJustBeyond(
      String name,
      Consumer<GatePolicy.Builder> tweak,
      ModelMetrics candidate,
      Gate.Comparison champion,
      String checkName,
      boolean passes) {
    GatePolicy.Builder policy = lenient();
    tweak.accept(policy);

    Gate.Result result =
        Gate.evaluate(policy.build(), candidate, Optional.ofNullable(champion), ANY_PRIOR);

    GateCheck check = find(result, checkName);
    assertThat(check.getPassed()).as(check.getDetail()).isEqualTo(passes);
    assertThat(check.getThreshold()).isNotNull();
    assertThat(result.decision()).isEqualTo(passes ? Decision.RELEASE : Decision.REJECT);
    if (!passes) {
      assertThat(result.reasons()).anySatisfy(r -> assertThat(r).startsWith(checkName + " failed"));
    }
  }

  @Test
  void shouldHoldAFirstCandidateToThePriorWithoutAChampion() {
    GatePolicy policy =
        lenient()
            .setMinAccuracy(0.5)
            .setRequireSignificance(true)
            .setMinImprovement(0.05)
            .setMaxLatencyP95Millis(10.0)
            .build();

    Gate.Result result =
        Gate.evaluate(
            policy, metrics(0.6, 0.6, 0.6, 0.6, 3, 10), Optional.empty(), priorOnFixedHoldout(120));

    assertThat(result.checks())
        .extracting(GateCheck::getName)
        .containsExactly(
            "min_accuracy", "min_macro_f1", "min_improvement", "significance", "latency_p95");
    assertThat(result.decision()).isEqualTo(Decision.RELEASE);
    assertThat(result.pValue()).isPresent();
    assertThat(result.reasons())
        .singleElement()
        .asString()
        .contains("no champion yet: compared with the prior, always 'a' at 0.4500");
  }

  /**
   * The fixed holdout of the prior tests: 200 examples, 90 of label a, 60 of b, 50 of c; the
   * training snapshot held 400 a, 300 b and 300 c, so the majority label is a, right on 0.45.
   */
  private static final List<String> FIXED_HOLDOUT = fixedHoldout();

  private static List<String> fixedHoldout() {
    List<String> labels = new ArrayList<>();
    labels.addAll(Collections.nCopies(90, "a"));
    labels.addAll(Collections.nCopies(60, "b"));
    labels.addAll(Collections.nCopies(50, "c"));
    return List.copyOf(labels);
  }

  private static final Map<String, Long> TRAINING_COUNTS = Map.of("a", 400L, "b", 300L, "c", 300L);

  /** The prior on the fixed holdout and a candidate right on its first {@code right} examples. */
  private static Gate.PriorComparison priorOnFixedHoldout(int right) {
    boolean[] correct = new boolean[FIXED_HOLDOUT.size()];
    Arrays.fill(correct, 0, right, true);
    return Gate.PriorComparison.of(PriorPredictor.score(TRAINING_COUNTS, FIXED_HOLDOUT), correct);
  }

  private static ModelMetrics accuracyOnFixedHoldout(int right) {
    return ModelMetrics.newBuilder(metrics(0, 0.5, 0.5, 0.5, 5, 1000))
        .setExamples(FIXED_HOLDOUT.size())
        .setAccuracy((double) right / FIXED_HOLDOUT.size())
        .build();
  }

  private static GatePolicy defaultPolicy() {
    return GatePolicy.newBuilder().build();
  }

  @Test
  void shouldRejectAFirstCandidateAtThePriorsAccuracyWithTheCheckThatFailed() {
    // 90 of 200 right: exactly what always answering 'a' gets.
    Gate.Result result =
        Gate.evaluate(
            defaultPolicy(), accuracyOnFixedHoldout(90), Optional.empty(), priorOnFixedHoldout(90));

    assertThat(result.decision()).isEqualTo(Decision.REJECT);
    assertThat(find(result, "min_improvement").getPassed()).isTrue();
    GateCheck significance = find(result, "significance");
    assertThat(significance.getPassed()).isFalse();
    assertThat(significance.getDetail()).contains("right on 90 of 200").contains("0.4500");
    // P(X >= 90) for X ~ Binomial(200, 0.45), exactly.
    assertThat(result.pValue().orElseThrow()).isCloseTo(0.5276, within(1e-3));
    assertThat(result.reasons()).singleElement().asString().startsWith("significance failed");
  }

  @Test
  void shouldReleaseAFirstCandidateClearlyAboveThePrior() {
    // 120 of 200 right (0.60) against 0.45.
    Gate.Result result =
        Gate.evaluate(
            defaultPolicy(),
            accuracyOnFixedHoldout(120),
            Optional.empty(),
            priorOnFixedHoldout(120));

    assertThat(result.decision()).isEqualTo(Decision.RELEASE);
    assertThat(find(result, "significance").getPassed()).isTrue();
    assertThat(result.pValue().orElseThrow()).isLessThan(1e-4);
  }

  @Test
  void shouldHoldAFirstCandidateToThePriorPlusTheMarginInBothChecks() {
    GatePolicy policy = GatePolicy.newBuilder().setMinImprovement(0.05).build();

    // 0.50 is the margin above the prior, but not significantly above 0.45 + 0.05.
    Gate.Result atMargin =
        Gate.evaluate(
            policy, accuracyOnFixedHoldout(100), Optional.empty(), priorOnFixedHoldout(100));
    // 0.49: 0.04 above the prior, below the margin, and not significantly above 0.50 either.
    Gate.Result belowMargin =
        Gate.evaluate(
            policy, accuracyOnFixedHoldout(98), Optional.empty(), priorOnFixedHoldout(98));

    assertThat(find(atMargin, "min_improvement").getPassed()).isTrue();
    assertThat(find(atMargin, "significance").getPassed()).isFalse();
    assertThat(atMargin.decision()).isEqualTo(Decision.REJECT);
    assertThat(find(belowMargin, "min_improvement").getPassed()).isFalse();
    assertThat(belowMargin.reasons())
        .extracting(r -> r.substring(0, r.indexOf(' ')))
        .containsExactly("min_improvement", "significance");
  }

  @Test
  void shouldJudgeAgainstTheChampionAloneWhenThereIsOne() {
    // A prior above both models must not change the champion comparison.
    Gate.PriorComparison highPrior =
        new Gate.PriorComparison(
            PriorBaseline.newBuilder()
                .setMajorityLabel("a")
                .setMajorityAccuracy(0.95)
                .setClassPriorAccuracy(0.9)
                .build(),
            88,
            100);

    Gate.Result result =
        Gate.evaluate(
            lenient().setRequireSignificance(true).build(),
            metrics(0.88, 0.78, 0.8, 0.8, 5, 1000),
            Optional.of(paired(CHAMPION, 78, 2, 10, 10)),
            highPrior);

    assertThat(result.decision()).isEqualTo(Decision.RELEASE);
    assertThat(result.pValue().orElseThrow()).isCloseTo(0.0386, within(1e-4));
    assertThat(find(result, "min_improvement").getDetail()).contains("over the champion");
  }

  @Test
  void shouldRejectAnEqualCandidateWhenSignificanceIsRequired() {
    GatePolicy policy = lenient().setRequireSignificance(true).setMinImprovement(0.0).build();
    // Same accuracy, different mistakes: 5 discordant pairs each way.
    Gate.Comparison cmp = paired(CHAMPION, 75, 5, 5, 15);

    Gate.Result result = Gate.evaluate(policy, CHAMPION, Optional.of(cmp), ANY_PRIOR);

    assertThat(result.decision()).isEqualTo(Decision.REJECT);
    assertThat(result.pValue()).hasValueSatisfying(p -> assertThat(p).isEqualTo(1.0));
    assertThat(find(result, "min_improvement").getPassed()).isTrue();
    assertThat(find(result, "significance").getPassed()).isFalse();
    assertThat(result.reasons()).singleElement().asString().startsWith("significance failed");
  }

  @Test
  void shouldReleaseAnEqualCandidateWhenSignificanceIsNotRequired() {
    GatePolicy policy = lenient().setRequireSignificance(false).setMinImprovement(0.0).build();

    Gate.Result result =
        Gate.evaluate(policy, CHAMPION, Optional.of(paired(CHAMPION, 80, 0, 0, 20)), ANY_PRIOR);

    assertThat(result.decision()).isEqualTo(Decision.RELEASE);
    assertThat(result.checks()).extracting(GateCheck::getName).doesNotContain("significance");
    assertThat(result.pValue()).contains(1.0);
  }

  @Test
  void shouldReportEveryFailedCheckAsAReason() {
    GatePolicy policy =
        lenient()
            .setMinAccuracy(0.9)
            .setMaxAccuracyRegression(0.0)
            .setRequireSignificance(true)
            .setMaxSizeBytes(10L)
            .build();

    Gate.Result result =
        Gate.evaluate(
            policy,
            metrics(0.72, 0.7, 0.6, 0.8, 5, 1000),
            Optional.of(paired(CHAMPION, 70, 10, 2, 18)),
            ANY_PRIOR);

    assertThat(result.decision()).isEqualTo(Decision.REJECT);
    assertThat(result.reasons())
        .extracting(r -> r.substring(0, r.indexOf(' ')))
        .containsExactly("min_accuracy", "accuracy_regression", "significance", "size_bytes");
    assertThat(result.pValue().orElseThrow()).isCloseTo(0.0386, within(1e-4));
  }

  @Test
  void shouldRefuseCorrectnessArraysOfDifferentLength() {
    assertThatThrownBy(() -> new Gate.Comparison(CHAMPION, new boolean[3], new boolean[4]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static GateCheck find(Gate.Result result, String name) {
    return result.checks().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new AssertionError(
                    name
                        + " not among "
                        + Arrays.toString(
                            result.checks().stream().map(GateCheck::getName).toArray())));
  }
}
