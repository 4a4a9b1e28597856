package dev.flywheel.evaluator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.ModelMetrics;
import dev.flywheel.slm.EvaluationReport;
import dev.flywheel.slm.ExampleOutcome;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfusionTest {
  @Test
  void shouldRecordTheConfusionMatrixByLabelWithoutZeroCells() {
    List<ExampleOutcome> outcomes =
        List.of(
            new ExampleOutcome("1", "cat", "cat", 0.9f, true),
            new ExampleOutcome("2", "cat", "dog", 0.6f, false),
            new ExampleOutcome("3", "dog", "dog", 0.8f, true),
            new ExampleOutcome("4", "dog", "dog", 0.7f, true),
            new ExampleOutcome("5", "cat", "cat", 0.9f, true));
    EvaluationReport report =
        EvaluationReport.of(List.of("cat", "dog", "bird"), outcomes, Double.NaN, Double.NaN);

    ModelMetrics metrics = CandidateJudge.toMetrics(report, 100);

    assertThat(metrics.getConfusion())
        .isEqualTo(Map.of("cat", Map.of("cat", 2L, "dog", 1L), "dog", Map.of("dog", 2L)));
  }
}
