package dev.flywheel.slm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The recipes on the classpath, by architecture key. Every recipe registers through {@code
 * META-INF/services/dev.flywheel.slm.ModelRecipe}: the from-scratch one in {@code flywheel-slm},
 * the pretrained encoder in {@code flywheel-slm-encoder}. With only this API on the classpath there
 * are none.
 */
public final class Recipes {
  private static final Map<String, ModelRecipe> BY_ARCHITECTURE = load();

  private Recipes() {}

  private static Map<String, ModelRecipe> load() {
    Map<String, ModelRecipe> map = new TreeMap<>();
    List<ModelRecipe> all = new ArrayList<>();
    ServiceLoader.load(ModelRecipe.class, Recipes.class.getClassLoader()).forEach(all::add);
    for (ModelRecipe r : all) {
      for (String a : r.architectures()) {
        ModelRecipe before = map.putIfAbsent(a, r);
        if (before != null && before.getClass() != r.getClass()) {
          throw new IllegalStateException(
              "architecture '"
                  + a
                  + "' is served by both "
                  + before.getClass().getName()
                  + " and "
                  + r.getClass().getName());
        }
      }
    }
    return Map.copyOf(map);
  }

  /** The recipe of an architecture key (case and surrounding blanks ignored), if one serves it. */
  public static Optional<ModelRecipe> find(String architecture) {
    return architecture == null
        ? Optional.empty()
        : Optional.ofNullable(BY_ARCHITECTURE.get(architecture.trim().toLowerCase(Locale.ROOT)));
  }

  /**
   * The recipe of an architecture key.
   *
   * @throws IllegalArgumentException naming the known architectures when none serves it
   */
  public static ModelRecipe forArchitecture(String architecture) {
    return find(architecture)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown architecture '"
                        + architecture
                        + "' (expected one of "
                        + keys()
                        + ")"));
  }

  /** The architecture keys served, sorted. */
  public static List<String> keys() {
    return List.copyOf(new TreeMap<>(BY_ARCHITECTURE).keySet());
  }

  /** Every distinct recipe. */
  public static List<ModelRecipe> all() {
    return BY_ARCHITECTURE.values().stream().distinct().toList();
  }

  /** The base models every recipe can start from. */
  public static List<BaseModelInfo> baseModels(RecipeContext context) {
    List<BaseModelInfo> out = new ArrayList<>();
    for (ModelRecipe r : all()) {
      out.addAll(r.baseModels(context));
    }
    return out;
  }
}
