package dev.flywheel.trainer;

import dev.flywheel.common.snapshot.ExampleSnapshot;
import dev.flywheel.common.snapshot.ExampleSnapshotReader;
import dev.flywheel.common.snapshot.SnapshotUnavailableException;
import dev.flywheel.events.DatasetSnapshot;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.PartitionRange;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Whether a model's examples changed between the snapshot its last candidate was trained on and a
 * new one: a run on an unchanged snapshot would train the same data again. Cheap tests first (same
 * end offsets: unchanged; different counts: changed); only when the offsets moved but the counts
 * agree (other models' examples, relabels, rewrites of a label) is the old snapshot read again and
 * its examples compared one by one.
 */
final class SnapshotChange {

  private SnapshotChange() {}

  /** Whether {@code current} holds the same training and holdout examples as {@code previous}. */
  static boolean unchanged(
      DatasetSnapshot previous,
      ExampleSnapshot current,
      ExampleSnapshotReader reader,
      String model) {
    DatasetSnapshot now = current.snapshot();
    if (!previous.getTopic().equals(now.getTopic())) {
      return false;
    }
    if (ends(previous).equals(ends(now))) {
      return true;
    }
    if (previous.getTrainExamples() != now.getTrainExamples()
        || previous.getHoldoutExamples() != now.getHoldoutExamples()
        || !new TreeMap<>(previous.getCountsPerLabel())
            .equals(new TreeMap<>(now.getCountsPerLabel()))) {
      return false;
    }
    ExampleSnapshot before;
    try {
      before = reader.readUpTo(previous, model);
    } catch (SnapshotUnavailableException e) {
      return false; // cannot be shown unchanged: train
    }
    return content(before.training()).equals(content(current.training()))
        && content(before.holdout()).equals(content(current.holdout()));
  }

  /** What training sees of an example: its id, text, label and weight. */
  private record Content(String id, String text, String label, double weight) {}

  private static List<Content> content(List<LabeledExample> examples) {
    return examples.stream()
        .map(e -> new Content(e.getExampleId(), e.getText(), e.getLabel(), e.getWeight()))
        .toList();
  }

  /** End offset per partition, partitions without records left out (their end is irrelevant). */
  private static Map<Integer, Long> ends(DatasetSnapshot snapshot) {
    Map<Integer, Long> ends = new TreeMap<>();
    for (PartitionRange r : snapshot.getRanges()) {
      if (r.getEndOffset() > r.getStartOffset()) {
        ends.put(r.getPartition(), r.getEndOffset());
      }
    }
    return ends;
  }
}
