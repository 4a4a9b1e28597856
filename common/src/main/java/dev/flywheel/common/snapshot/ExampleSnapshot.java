package dev.flywheel.common.snapshot;

import dev.flywheel.events.DatasetSnapshot;
import dev.flywheel.events.LabeledExample;
import java.util.List;
import java.util.Objects;

/**
 * One model's labeled examples as they stood at a recorded point of the compacted examples topic:
 * the {@link DatasetSnapshot} to publish (topic, offset ranges, counts), the examples to train and
 * validate on, and the holdout examples that training never sees. Both lists hold the latest
 * version of each example id, sorted by example id, so the same ranges always give the same lists
 * in the same order. Obtain one from {@link ExampleSnapshotReader}.
 *
 * @param model the model whose examples these are
 * @param snapshot where the examples were read from and how many there are per label
 * @param training non-holdout examples, sorted by example id
 * @param holdout holdout examples, sorted by example id
 */
public record ExampleSnapshot(
    String model,
    DatasetSnapshot snapshot,
    List<LabeledExample> training,
    List<LabeledExample> holdout) {

  public ExampleSnapshot {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(snapshot, "snapshot");
    training = List.copyOf(training);
    holdout = List.copyOf(holdout);
  }
}
