package dev.flywheel.slm.store;

import java.net.URI;

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
}
