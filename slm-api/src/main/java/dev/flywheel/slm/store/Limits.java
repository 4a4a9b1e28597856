package dev.flywheel.slm.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;

/** Bounded reads, for files whose size nobody vouched for. */
public final class Limits {
  private Limits() {}

  /**
   * Reads a stream to its end, refusing one longer than {@code maxBytes} (without reading more than
   * one byte past it).
   *
   * @throws ArtifactStoreException when the stream holds more than {@code maxBytes}
   * @throws IOException on a failed read
   */
  public static byte[] readAtMost(InputStream in, long maxBytes, URI what) throws IOException {
    if (maxBytes < 0 || maxBytes >= Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("maxBytes out of range: " + maxBytes);
    }
    byte[] bytes = in.readNBytes((int) maxBytes + 1);
    if (bytes.length > maxBytes) {
      throw new ArtifactStoreException(
          what + " is larger than the " + maxBytes + " bytes allowed for it");
    }
    return bytes;
  }
}
