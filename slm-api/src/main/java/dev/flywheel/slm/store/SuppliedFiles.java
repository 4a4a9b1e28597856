package dev.flywheel.slm.store;

import java.net.URI;
import java.util.Optional;

/**
 * Reads files that users supply by URI, such as the three files of a base model's directory. Unlike
 * bundles, nothing is known about them in advance (no sha256 in the URI), so a reader offers a
 * cheap {@link #stamp(URI) stamp} to tell whether a file changed since it was last read. Obtain one
 * with {@link ArtifactStores#suppliedFiles(URI)}: {@code file:} is built in, other schemes come
 * from an {@link ArtifactStoreProvider}. Implementations are thread-safe.
 */
public interface SuppliedFiles {

  /**
   * A file's size and a version that changes whenever the file does (its modification time or
   * entity tag).
   */
  record Stamp(long size, String version) {
    @Override
    public String toString() {
      return size + "@" + version;
    }
  }

  /**
   * The file's stamp; empty when there is no file at the URI.
   *
   * @throws ArtifactStoreException when the location cannot be reached or read
   */
  Optional<Stamp> stamp(URI file);

  /**
   * The first bytes of the file: {@code length} of them, or all of a shorter file.
   *
   * @throws ArtifactStoreException when there is no file or it cannot be read
   */
  byte[] readStart(URI file, int length);

  /**
   * All bytes of the file, at most {@code maxBytes} of them.
   *
   * @throws ArtifactStoreException when there is no file, it is larger than {@code maxBytes}, or it
   *     cannot be read
   */
  byte[] read(URI file, long maxBytes);
}
