package dev.flywheel.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.ExampleSource;
import dev.flywheel.events.FailureReason;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.slm.Example;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingSetTest {

  static LabeledExample example(String id, String label, float weight) {
    return LabeledExample.newBuilder()
        .setExampleId(id)
        .setModel("m")
        .setText("text " + id)
        .setLabel(label)
        .setSource(ExampleSource.SUBMITTED)
        .setWeight(weight)
        .setTimestamp(Instant.EPOCH)
        .build();
  }

  @Test
  void shouldLeaveOutUndeclaredLabelsAndNonPositiveWeights() {
    TrainingSet set =
        TrainingSet.of(
            List.of(
                example("1", "a", 1f),
                example("2", "gone", 1f),
                example("3", "b", 0f),
                example("4", "b", 0.5f)),
            List.of("a", "b"));

    assertThat(set.examples()).extracting(Example::id).containsExactly("1", "4");
    assertThat(set.examples().get(1).weight()).isEqualTo(0.5f);
    assertThat(set.leftOut()).isEqualTo(2);
    assertThat(set.problem(2)).isEmpty();
  }

  @Test
  void shouldNameTooFewExamples() {
    TrainingSet set =
        TrainingSet.of(List.of(example("1", "a", 1f), example("2", "b", 1f)), List.of("a", "b"));

    assertThat(set.problem(3))
        .get()
        .extracting(TrainingSet.Problem::reason)
        .isEqualTo(FailureReason.TOO_FEW_EXAMPLES);
  }

  @Test
  void shouldNameALabelWithoutExamples() {
    List<LabeledExample> examples = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      examples.add(example("e" + i, "a", 1f));
    }
    TrainingSet set = TrainingSet.of(examples, List.of("a", "b", "c"));

    assertThat(set.problem(5))
        .get()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo(FailureReason.MISSING_LABEL);
              assertThat(p.message()).contains("[b, c]");
            });
  }
}
