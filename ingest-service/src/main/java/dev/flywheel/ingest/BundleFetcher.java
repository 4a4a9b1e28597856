package dev.flywheel.ingest;

import dev.flywheel.slm.DevicePreference;
import dev.flywheel.slm.RecipeContext;
import dev.flywheel.slm.store.ArtifactStore;
import dev.flywheel.slm.store.ArtifactStores;
import dev.flywheel.slm.store.FileArtifactStore;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads model bundles by their artifact URI: through the configured artifact store, or, without
 * one, for a {@code file:} URI through a store rooted at the bundle's directory.
 */
final class BundleFetcher {
  private final Optional<ArtifactStore> store;
  private FileArtifactStore derived;

  BundleFetcher(Optional<String> storeUri) {
    this.store = storeUri.map(ArtifactStores::forUri);
  }

  byte[] read(String artifactUri) {
    URI uri = URI.create(artifactUri);
    return storeFor(uri).read(uri);
  }

  InputStream open(String artifactUri) {
    URI uri = URI.create(artifactUri);
    return storeFor(uri).open(uri);
  }

  /**
   * What a recipe may use to load the bundle at {@code artifactUri}: the configured store, else the
   * file store its blob lives in (where base-model weights are kept too); empty without either.
   */
  RecipeContext recipeContext(String artifactUri, DevicePreference device) {
    return new RecipeContext(store.or(() -> derivedStore(URI.create(artifactUri))), device);
  }

  /**
   * The configured store, else the file store of {@code artifactUri}'s blob, else the one last
   * derived from a loaded bundle: where base models are read from.
   */
  synchronized Optional<ArtifactStore> storeOf(Optional<String> artifactUri) {
    return store
        .or(() -> artifactUri.flatMap(u -> derivedStore(URI.create(u))))
        .or(() -> Optional.ofNullable(derived));
  }

  private synchronized Optional<ArtifactStore> derivedStore(URI uri) {
    Optional<java.nio.file.Path> root = FileArtifactStore.rootOfBlob(uri);
    if (root.isEmpty()) {
      return Optional.empty();
    }
    if (derived == null || !derived.root().equals(root.get())) {
      derived = new FileArtifactStore(root.get());
    }
    return Optional.of(derived);
  }

  private ArtifactStore storeFor(URI uri) {
    if (store.isPresent()) {
      return store.get();
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("file")) {
      throw new IllegalArgumentException(
          "no artifact store configured for " + uri + " (set artifacts.uri)");
    }
    return ArtifactStores.forUri(Path.of(uri).getParent().toUri());
  }
}
