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
   * A value that changes whenever the file does (its size with its modification time or entity
   * tag); empty when there is no file at the URI.
   *
   * @throws ArtifactStoreException when the location cannot be reached or read
   */
  Optional<String> stamp(URI file);

  /**
   * All bytes of the file, at most {@code maxBytes} of them.
   *
   * @throws ArtifactStoreException when there is no file, it is larger than {@code maxBytes}, or it
   *     cannot be read
   */
  byte[] read(URI file, long maxBytes);
}
