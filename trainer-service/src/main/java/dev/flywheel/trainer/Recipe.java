package dev.flywheel.trainer;

import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.TaskType;
import dev.flywheel.slm.Hyperparameters;
import dev.flywheel.slm.InvalidHyperparametersException;
import dev.flywheel.slm.ModelRecipe;
import dev.flywheel.slm.Recipes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a model spec asks the trainer to build: its labels in model order, the {@link ModelRecipe}
 * of its architecture and that recipe's validated settings (the spec's map, its {@code
 * architecture}, {@code baseModel} and {@code fineTune} fields, the recipe's defaults for the
 * rest). {@link #of} reports every problem of a spec at once.
 */
record Recipe(List<String> labels, ModelRecipe recipe, Map<String, String> settings) {

  /** A spec that cannot be trained, with every reason. */
  static final class InvalidSpecException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidSpecException(List<String> problems) {
      super(String.join("; ", problems));
    }
  }

  Recipe {
    labels = List.copyOf(labels);
    Objects.requireNonNull(recipe, "recipe");
    settings = Map.copyOf(settings);
  }

  /** The architecture key, e.g. {@code bag} or {@code encoder}. */
  String architecture() {
    return settings.get("architecture");
  }

  /** The most epochs a run takes, for progress reports. */
  int maxEpochs() {
    return recipe.maxEpochs(settings);
  }

  /**
   * The built-in recipe's hyperparameters; only for {@code bag}, {@code lstm}, {@code transformer}.
   */
  Hyperparameters hyperparameters() {
    return Hyperparameters.fromMap(settings);
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
    fromSpecField(map, "baseModel", spec.getBaseModel(), problems);
    fromSpecField(map, "fineTune", spec.getFineTune(), problems);
    ModelRecipe recipe = null;
    Map<String, String> settings = null;
    try {
      recipe = Recipes.forArchitecture(architecture);
      map.put("architecture", architecture.trim().toLowerCase(java.util.Locale.ROOT));
      settings = recipe.settings(map);
    } catch (InvalidHyperparametersException e) {
      e.problems().forEach(p -> problems.add("hyperparameters: " + p));
    } catch (IllegalArgumentException e) {
      problems.add("architecture: " + e.getMessage());
    }
    if (!problems.isEmpty()) {
      throw new InvalidSpecException(problems);
    }
    return new Recipe(labels, recipe, settings);
  }

  /** A spec field that the recipe reads from its map; the map may repeat it, not contradict it. */
  private static void fromSpecField(
      Map<String, String> map, String key, String value, List<String> problems) {
    if (value == null) {
      return;
    }
    String inMap = map.get(key);
    if (inMap != null && !inMap.trim().equals(value.trim())) {
      problems.add(
          "hyperparameters: " + key + " '" + inMap + "' contradicts the spec's '" + value + "'");
    }
    map.put(key, value.trim());
  }
}
