package dev.flywheel.evaluator;

import dev.flywheel.slm.BundleException;
import dev.flywheel.slm.DevicePreference;
import dev.flywheel.slm.ModelBundle;
import dev.flywheel.slm.RecipeContext;
import dev.flywheel.slm.store.ArtifactStore;
import dev.flywheel.slm.store.ArtifactStoreException;
import dev.flywheel.slm.store.BundleFetcher;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the evaluator fetches bundles and golden sets from, by artifact URI: bundles through a
 * {@link BundleFetcher} (the configured {@link ArtifactStore}, else straight from {@code file:}
 * URIs), golden sets from {@code file:} URIs. Every bundle is verified against the sha256 its event
 * carries before it is used.
 */
final class Artifacts {

  private final BundleFetcher fetcher;

  Artifacts(Optional<ArtifactStore> store) {
    this.fetcher = BundleFetcher.over(store);
  }

  /**
   * Reads and verifies the bundle at {@code uri} against {@code sha256}.
   *
   * @throws IllegalArgumentException for a URI that cannot be fetched
   */
  ModelBundle bundle(String uri, String sha256) throws BundleException {
    try {
      return fetcher.bundle(uri, sha256);
    } catch (ArtifactStoreException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * What a recipe may use to load the bundle at {@code uri}: the configured store, else the file
   * store the bundle's blob lives in (where shared pieces such as base weights are too).
   */
  RecipeContext recipeContext(String uri) {
    return fetcher.recipeContext(uri, DevicePreference.AUTO);
  }

  /** The local file behind a {@code file:} URI (golden sets). */
  Path localFile(String uri) {
    URI parsed = URI.create(uri);
    if (!"file".equalsIgnoreCase(parsed.getScheme())) {
      throw new IllegalArgumentException("unsupported URI " + uri + " (file: only)");
    }
    return Path.of(parsed);
  }
}
