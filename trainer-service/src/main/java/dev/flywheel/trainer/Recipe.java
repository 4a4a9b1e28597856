package dev.flywheel.trainer;

import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.TaskType;
import dev.flywheel.slm.Architecture;
import dev.flywheel.slm.Hyperparameters;
import dev.flywheel.slm.InvalidHyperparametersException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a model spec asks the trainer to build: its labels in model order and the validated
 * hyperparameters (the spec's map, its {@code architecture} field, the architecture's defaults for
 * the rest). {@link #of} reports every problem of a spec at once.
 */
record Recipe(List<String> labels, Hyperparameters hyperparameters) {

  /** A spec that cannot be trained, with every reason. */
  static final class InvalidSpecException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidSpecException(List<String> problems) {
      super(String.join("; ", problems));
    }
  }

  Recipe {
    labels = List.copyOf(labels);
    Objects.requireNonNull(hyperparameters, "hyperparameters");
  }

  static Recipe of(ModelSpec spec) throws InvalidSpecException {
    List<String> problems = new ArrayList<>();
    if (spec.getTask() != TaskType.TEXT_CLASSIFICATION) {
      problems.add("task: " + spec.getTask() + " is not supported (TEXT_CLASSIFICATION is)");
    }
    List<String> labels = spec.getLabels();
    if (labels.size() < 2) {
      problems.add("labels: at least two are needed, got " + labels.size());
    }
    if (new HashSet<>(labels).size() != labels.size()) {
      problems.add("labels: duplicates in " + labels);
    }
    if (labels.stream().anyMatch(l -> l == null || l.isBlank())) {
      problems.add("labels: a label is blank");
    }
    double holdout = spec.getHoldoutShare();
    if (!(holdout >= 0 && holdout < 1)) {
      problems.add("holdoutShare: must be in [0, 1), got " + holdout);
    }
    Map<String, String> map = new HashMap<>(spec.getHyperparameters());
    String architecture = spec.getArchitecture();
    String inMap = map.get("architecture");
    if (inMap != null && !inMap.trim().equalsIgnoreCase(architecture.trim())) {
      problems.add(
          "hyperparameters: architecture '"
              + inMap
              + "' contradicts the spec's '"
              + architecture
              + "'");
    }
    Hyperparameters hyperparameters = null;
    try {
      map.put("architecture", Architecture.fromKey(architecture).key());
      hyperparameters = Hyperparameters.fromMap(map).validate();
    } catch (InvalidHyperparametersException e) {
      e.problems().forEach(p -> problems.add("hyperparameters: " + p));
    } catch (IllegalArgumentException e) {
      problems.add("architecture: " + e.getMessage());
    }
    if (!problems.isEmpty()) {
      throw new InvalidSpecException(problems);
    }
    return new Recipe(labels, hyperparameters);
  }
}
