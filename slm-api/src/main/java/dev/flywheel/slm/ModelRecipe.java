package dev.flywheel.slm;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A kind of model: how a spec's settings are checked, how a model is trained and how its bundle is
 * loaded. The built-in {@code bag}, {@code lstm} and {@code transformer} are one recipe; others
 * (the pretrained {@code encoder}) register through {@code
 * META-INF/services/dev.flywheel.slm.ModelRecipe} and are found by {@link Recipes}. Implementations
 * are thread-safe and have a public no-argument constructor.
 */
public interface ModelRecipe {

  /** The architecture keys this recipe serves, as written in specs and manifests. */
  Set<String> architectures();

  /**
   * A spec's settings (the {@code architecture} key and the recipe's own keys) completed with the
   * recipe's defaults.
   *
   * @throws InvalidHyperparametersException listing every unknown key, bad value and violated
   *     constraint
   */
  Map<String, String> settings(Map<String, String> spec) throws InvalidHyperparametersException;

  /**
   * Problems with what complete settings point at outside the spec, such as a base model's
   * directory, found by reading it: call it on a thread that may block. Empty when there are none
   * or nothing to check; each problem starts with the setting's key and a colon. The gateway
   * refuses a spec with problems, so that a run does not fail on them later.
   */
  default List<String> sourceProblems(Map<String, String> settings) {
    return List.of();
  }

  /** The most epochs a run with these (complete) settings takes, for progress reports. */
  int maxEpochs(Map<String, String> settings);

  /**
   * Trains a model; the request's {@link TrainingRequest#settings()} are complete settings of this
   * recipe.
   *
   * @throws TrainingException for every refused or failed run
   */
  TrainingResult train(TrainingRequest request);

  /**
   * Loads a verified bundle of one of its architectures.
   *
   * @throws BundleException when the bundle's content does not fit the recipe, or a piece it refers
   *     to (base weights) is missing or does not match its sha256
   */
  TextClassifier load(ModelBundle bundle, RecipeContext context) throws BundleException;

  /** The base models this recipe can start from; empty for recipes that learn from scratch. */
  default List<BaseModelInfo> baseModels(RecipeContext context) {
    return List.of();
  }
}
