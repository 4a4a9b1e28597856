package dev.flywheel.slm.store;

import java.net.URI;
import java.util.Optional;

/**
 * Creates stores for one URI scheme. Providers are found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.flywheel.slm.store.ArtifactStoreProvider}), so an S3-compatible
 * store can be added as a jar without touching code that calls {@link ArtifactStores#forUri(URI)}.
 */
public interface ArtifactStoreProvider {
  /** The URI scheme served, e.g. {@code file} or {@code s3}. */
  String scheme();

  /** A store rooted at {@code root}. */
  ArtifactStore create(URI root);

  /**
   * A reader of files that users supply under this scheme (a base model's directory), if the
   * provider offers one; empty by default.
   */
  default Optional<SuppliedFiles> suppliedFiles() {
    return Optional.empty();
  }
}
