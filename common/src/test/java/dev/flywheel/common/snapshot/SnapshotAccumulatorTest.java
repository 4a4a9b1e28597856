package dev.flywheel.common.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.ExampleSource;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.PartitionRange;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotAccumulatorTest {

  private static final Instant TAKEN = Instant.parse("2026-01-02T03:04:05Z");

  static LabeledExample example(String id, String model, String label, boolean holdout) {
    return LabeledExample.newBuilder()
        .setExampleId(id)
        .setModel(model)
        .setText("text of " + id)
        .setLabel(label)
        .setSource(ExampleSource.SUBMITTED)
        .setHoldout(holdout)
        .setTimestamp(TAKEN)
        .build();
  }

  @Test
  void shouldKeepTheLatestLabelPerExampleId() {
    SnapshotAccumulator acc = new SnapshotAccumulator("m");
    acc.apply("a", example("a", "m", "x", false));
    acc.apply("a", example("a", "m", "y", false));

    ExampleSnapshot result = acc.result("t", List.of(), TAKEN);

    assertThat(result.training()).extracting(LabeledExample::getLabel).containsExactly("y");
    assertThat(result.snapshot().getCountsPerLabel()).isEqualTo(Map.of("y", 1L));
  }

  @Test
  void shouldRemoveAnExampleOnATombstone() {
    SnapshotAccumulator acc = new SnapshotAccumulator("m");
    acc.apply("a", example("a", "m", "x", false));
    acc.apply("b", example("b", "m", "x", false));
    acc.apply("a", null);

    ExampleSnapshot result = acc.result("t", List.of(), TAKEN);

    assertThat(result.training()).extracting(LabeledExample::getExampleId).containsExactly("b");
    assertThat(result.snapshot().getTrainExamples()).isEqualTo(1);
  }

  @Test
  void shouldIgnoreOtherModelsAndSplitOffTheHoldout() {
    SnapshotAccumulator acc = new SnapshotAccumulator("m");
    acc.apply("c", example("c", "m", "x", true));
    acc.apply("o", example("o", "other", "x", false));
    acc.apply("b", example("b", "m", "y", false));
    acc.apply("a", example("a", "m", "x", false));

    ExampleSnapshot result = acc.result("t", List.of(), TAKEN);

    assertThat(result.training())
        .extracting(LabeledExample::getExampleId)
        .containsExactly("a", "b");
    assertThat(result.holdout()).extracting(LabeledExample::getExampleId).containsExactly("c");
    assertThat(result.snapshot().getCountsPerLabel()).isEqualTo(Map.of("x", 1L, "y", 1L));
    assertThat(result.snapshot().getHoldoutExamples()).isEqualTo(1);
    assertThat(result.model()).isEqualTo("m");
  }

  @Test
  void shouldUseTheIdInTheValueWhenTheKeyIsMissing() {
    SnapshotAccumulator acc = new SnapshotAccumulator("m");
    acc.apply(null, example("a", "m", "x", false));
    acc.apply(null, null);

    assertThat(acc.result("t", List.of(), TAKEN).training()).hasSize(1);
  }

  @Test
  void shouldDescribeTheRangesSortedByPartition() {
    SnapshotAccumulator acc = new SnapshotAccumulator("m");
    List<PartitionRange> ranges =
        List.of(new PartitionRange(1, 0L, 5L), new PartitionRange(0, 2L, 3L));

    ExampleSnapshot result = acc.result("topic", ranges, TAKEN);

    assertThat(result.snapshot().getTopic()).isEqualTo("topic");
    assertThat(result.snapshot().getRanges())
        .extracting(PartitionRange::getPartition)
        .containsExactly(0, 1);
    assertThat(result.snapshot().getTakenAt()).isEqualTo(TAKEN);
    assertThat(result.training()).isEmpty();
  }
}
