package dev.flywheel.common.snapshot;

import dev.flywheel.events.DatasetSnapshot;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.PartitionRange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Folds the records of the examples topic into one model's current examples: the latest value per
 * example id wins, a tombstone (or a value now belonging to another model) removes the id. Pure, so
 * the rules are unit-tested without a broker.
 */
final class SnapshotAccumulator {
  private final String model;
  private final Map<String, LabeledExample> latest = new HashMap<>();

  SnapshotAccumulator(String model) {
    this.model = model;
  }

  /**
   * Applies one record of the topic, in offset order.
   *
   * @param key the record key (the example id); when null the id in the value is used
   * @param value the example, or null for a tombstone
   */
  void apply(String key, LabeledExample value) {
    String id = key != null ? key : value == null ? null : value.getExampleId();
    if (id == null) {
      return; // A keyless tombstone names no example: nothing to remove.
    }
    if (value == null || !model.equals(value.getModel())) {
      latest.remove(id);
    } else {
      latest.put(id, value);
    }
  }

  /** The snapshot of what was applied so far, described by the given topic and ranges. */
  ExampleSnapshot result(String topic, List<PartitionRange> ranges, Instant takenAt) {
    List<LabeledExample> training = new ArrayList<>();
    List<LabeledExample> holdout = new ArrayList<>();
    for (LabeledExample example : latest.values()) {
      (example.getHoldout() ? holdout : training).add(example);
    }
    Comparator<LabeledExample> byId = Comparator.comparing(LabeledExample::getExampleId);
    training.sort(byId);
    holdout.sort(byId);
    Map<String, Long> counts = new TreeMap<>();
    training.forEach(example -> counts.merge(example.getLabel(), 1L, Long::sum));
    List<PartitionRange> sorted = new ArrayList<>(ranges);
    sorted.sort(Comparator.comparingInt(PartitionRange::getPartition));
    DatasetSnapshot snapshot =
        DatasetSnapshot.newBuilder()
            .setTopic(topic)
            .setRanges(sorted)
            .setTrainExamples(training.size())
            .setHoldoutExamples(holdout.size())
            .setCountsPerLabel(counts)
            .setTakenAt(takenAt)
            .build();
    return new ExampleSnapshot(model, snapshot, training, holdout);
  }
}
