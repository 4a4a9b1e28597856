package dev.flywheel.slm.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where model bundles live between the trainer that writes them and the processes that load them.
 * Content-addressed: a bundle's sha256 names it, so equal bytes are stored once. A (model, version)
 * pair is written once; putting other bytes under an existing version is refused. Implementations
 * are thread-safe. Obtain one with {@link ArtifactStores#forUri(URI)}.
 */
public interface ArtifactStore {

  /**
   * Stores a bundle as a model version; idempotent for the same bytes.
   *
   * @throws ArtifactStoreException when the version already holds other bytes, or on I/O failure
   */
  StoredArtifact put(String modelName, String version, byte[] bundle);

  /** As {@link #put(String, String, byte[])}, reading the bundle from a file. */
  default StoredArtifact put(String modelName, String version, Path bundleFile) {
    try {
      return put(modelName, version, Files.readAllBytes(bundleFile));
    } catch (IOException e) {
      throw new ArtifactStoreException("cannot read " + bundleFile + ": " + e, e);
    }
  }

  /**
   * Opens a stored bundle for reading; the caller closes the stream and verifies the sha256 (e.g.
   * with {@code ModelBundle.fromBytes}).
   *
   * @throws ArtifactStoreException when the URI is not this store's or names nothing
   */
  InputStream open(URI uri);

  /** All bytes of a stored bundle; see {@link #open(URI)}. */
  byte[] read(URI uri);

  /** Whether a bundle exists at the URI. */
  boolean exists(URI uri);

  /** The versions stored for a model, oldest first; empty for an unknown model. */
  List<StoredArtifact> list(String modelName);

  /** The artifact of one version, if stored. */
  Optional<StoredArtifact> find(String modelName, String version);
}
