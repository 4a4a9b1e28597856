package dev.flywheel.slm;

import dev.flywheel.slm.store.ArtifactStore;
import java.util.Objects;
import java.util.Optional;

/**
 * What a recipe may use besides the bundle or the examples: the artifact store that holds shared
 * pieces such as base-model weights, and the device to prefer.
 *
 * @param store the process's artifact store, when it has one
 * @param device where to load or train
 */
public record RecipeContext(Optional<ArtifactStore> store, DevicePreference device) {
  /** Checks for nulls. */
  public RecipeContext {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(device, "device");
  }

  /** A context without a store. */
  public static RecipeContext of(DevicePreference device) {
    return new RecipeContext(Optional.empty(), device);
  }

  /** A context with a store. */
  public static RecipeContext of(ArtifactStore store, DevicePreference device) {
    return new RecipeContext(Optional.of(store), device);
  }
}
