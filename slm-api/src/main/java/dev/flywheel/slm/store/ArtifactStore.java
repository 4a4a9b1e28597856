package dev.flywheel.slm.store;

import dev.flywheel.slm.ModelBundle;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.LoggerFactory;

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
   * Stores a file's content as a model version and takes the file: a store on the same file system
   * moves it into place instead of copying it (the file store does). The file is gone when this
   * returns, whether it was stored or not; the caller must not write to it meanwhile.
   *
   * @throws ArtifactStoreException as {@link #put(String, String, byte[])}
   */
  default StoredArtifact moveIn(String modelName, String version, Path file) {
    StoredArtifact stored;
    try {
      stored = put(modelName, version, file);
    } catch (RuntimeException e) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException notRemoved) {
        e.addSuppressed(notRemoved);
      }
      throw e;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // Stored all the same: the caller's copy is only left behind.
      LoggerFactory.getLogger(ArtifactStore.class)
          .warn("{} stored as {} {} but not removed: {}", file, modelName, version, e.toString());
    }
    return stored;
  }

  /**
   * Stores a built bundle as its manifest's model version. The bundle's sha256 was computed when it
   * was built, so a store may use it instead of hashing (and copying) the bytes again: the file
   * store does; readers verify every bundle against the sha256 they are given either way.
   *
   * @throws ArtifactStoreException as {@link #put(String, String, byte[])}
   */
  default StoredArtifact put(ModelBundle bundle) {
    StoredArtifact stored =
        put(bundle.manifest().modelName(), bundle.manifest().version(), bundle.toByteArray());
    if (!stored.sha256().equals(bundle.sha256())) {
      throw new ArtifactStoreException(
          "stored " + stored.sha256() + " for bundle " + bundle.sha256() + ": bytes changed");
    }
    return stored;
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
