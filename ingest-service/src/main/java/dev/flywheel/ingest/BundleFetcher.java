package dev.flywheel.ingest;

import dev.flywheel.slm.store.ArtifactStore;
import dev.flywheel.slm.store.ArtifactStores;
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
