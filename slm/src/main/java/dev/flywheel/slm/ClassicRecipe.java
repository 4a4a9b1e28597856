package dev.flywheel.slm;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The built-in recipe: {@code bag}, {@code lstm} and {@code transformer} networks learned from
 * scratch ({@link TextClassifierTrainer}, {@link Classifier}); its settings are {@link
 * Hyperparameters}.
 */
public final class ClassicRecipe implements ModelRecipe {
  private static final Set<String> KEYS = keys();

  private static Set<String> keys() {
    Set<String> keys = new LinkedHashSet<>();
    Arrays.stream(Architecture.values()).forEach(a -> keys.add(a.key()));
    return Set.copyOf(keys);
  }

  @Override
  public Set<String> architectures() {
    return KEYS;
  }

  @Override
  public Map<String, String> settings(Map<String, String> spec)
      throws InvalidHyperparametersException {
    return Hyperparameters.fromMap(spec).validate().toMap();
  }

  @Override
  public int maxEpochs(Map<String, String> settings) {
    try {
      return Hyperparameters.fromMap(settings).epochs();
    } catch (InvalidHyperparametersException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  @Override
  public TrainingResult train(TrainingRequest request) {
    return TextClassifierTrainer.train(request);
  }

  @Override
  public TextClassifier load(ModelBundle bundle, RecipeContext context) throws BundleException {
    return Classifier.load(bundle, context.device());
  }
}
