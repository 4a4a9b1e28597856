package dev.flywheel.evaluator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.flywheel.events.PriorBaseline;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PriorPredictorTest {

  private static final List<String> HOLDOUT = List.of("a", "a", "a", "b", "b", "c", "c", "c");

  @Test
  void shouldScoreTheTrainingMajorityAndTheClassFrequencyPriorOnTheEvaluationSet() {
    PriorBaseline prior = PriorPredictor.score(Map.of("a", 20L, "b", 50L, "c", 30L), HOLDOUT);

    // Always 'b' (the training majority) is right on 2 of 8; at random with training frequencies:
    // 0.2 * 3/8 + 0.5 * 2/8 + 0.3 * 3/8.
    assertThat(prior.getMajorityLabel()).isEqualTo("b");
    assertThat(prior.getMajorityAccuracy()).isEqualTo(0.25);
    assertThat(prior.getClassPriorAccuracy())
        .isCloseTo(0.2 * 0.375 + 0.5 * 0.25 + 0.3 * 0.375, within(1e-12));
    assertThat(prior.getExamples()).isEqualTo(8);
    assertThat(prior.getFrequencySource()).isEqualTo("training");
  }

  @Test
  void shouldBreakATrainingTieTowardsTheLabelMoreFrequentInTheEvaluationSet() {
    PriorBaseline prior = PriorPredictor.score(Map.of("a", 10L, "b", 10L, "c", 10L), HOLDOUT);

    // a and c both appear 3 times in the holdout: the first by name of the strictest ones.
    assertThat(prior.getMajorityLabel()).isEqualTo("a");
    assertThat(prior.getMajorityAccuracy()).isEqualTo(0.375);
  }

  @Test
  void shouldFallBackToTheEvaluationSetWhenTheSnapshotRecordedNoCounts() {
    PriorBaseline prior = PriorPredictor.score(Map.of(), List.of("x", "y", "y", "y"));

    assertThat(prior.getMajorityLabel()).isEqualTo("y");
    assertThat(prior.getMajorityAccuracy()).isEqualTo(0.75);
    assertThat(prior.getClassPriorAccuracy()).isCloseTo(0.25 * 0.25 + 0.75 * 0.75, within(1e-12));
    assertThat(prior.getFrequencySource()).isEqualTo("evaluation");
  }
}
