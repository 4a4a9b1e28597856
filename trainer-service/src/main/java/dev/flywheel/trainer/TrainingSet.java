package dev.flywheel.trainer;

import dev.flywheel.events.FailureReason;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.slm.Example;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The examples a run trains on: a snapshot's non-holdout examples whose label the spec declares (in
 * example-id order, as the snapshot gives them), turned into {@code slm} examples. Examples with a
 * label the spec no longer declares, or a weight that is not positive, are left out and counted.
 * {@link #problem} says why the set cannot be trained on, if it cannot.
 */
record TrainingSet(List<Example> examples, int leftOut, Map<String, Integer> countsPerLabel) {

  /** A reason and message when the set is unusable. */
  record Problem(FailureReason reason, String message) {}

  static TrainingSet of(List<LabeledExample> snapshot, List<String> labels) {
    Set<String> declared = new HashSet<>(labels);
    Map<String, Integer> counts = new LinkedHashMap<>();
    labels.forEach(label -> counts.put(label, 0));
    List<Example> examples = new ArrayList<>();
    int leftOut = 0;
    for (LabeledExample e : snapshot) {
      float weight = e.getWeight();
      if (!declared.contains(e.getLabel()) || !(weight > 0f) || Float.isInfinite(weight)) {
        leftOut++;
        continue;
      }
      examples.add(new Example(e.getExampleId(), e.getText(), e.getLabel(), weight));
      counts.merge(e.getLabel(), 1, Integer::sum);
    }
    return new TrainingSet(examples, leftOut, counts);
  }

  TrainingSet {
    examples = List.copyOf(examples);
    countsPerLabel = Map.copyOf(countsPerLabel);
  }

  /** Why this set cannot train a model that needs at least {@code minExamples}, if so. */
  java.util.Optional<Problem> problem(int minExamples) {
    if (examples.size() < minExamples) {
      return java.util.Optional.of(
          new Problem(
              FailureReason.TOO_FEW_EXAMPLES,
              examples.size() + " usable examples, at least " + minExamples + " needed"));
    }
    List<String> missing =
        countsPerLabel.entrySet().stream()
            .filter(e -> e.getValue() == 0)
            .map(Map.Entry::getKey)
            .sorted()
            .toList();
    if (!missing.isEmpty()) {
      return java.util.Optional.of(
          new Problem(FailureReason.MISSING_LABEL, "no examples for label(s) " + missing));
    }
    return java.util.Optional.empty();
  }
}
