package dev.flywheel.artifacts.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Passes bytes through while hashing them, and fails the read that reaches the end when their
 * sha256 is not the expected one, so a reader never takes a corrupted or truncated object for a
 * complete one. Closing before the end verifies nothing (the caller stopped reading).
 */
final class Sha256VerifyingInputStream extends FilterInputStream {
  private final String expectedSha256;
  private final String name;
  private final MessageDigest digest;
  private long count;
  private boolean verified;
  private String failure;

  Sha256VerifyingInputStream(InputStream in, String expectedSha256, String name) {
    super(in);
    this.expectedSha256 = expectedSha256;
    this.name = name;
    try {
      this.digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b < 0) {
      verify();
    } else {
      digest.update((byte) b);
      count++;
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = in.read(buffer, offset, length);
    if (n < 0) {
      verify();
    } else {
      digest.update(buffer, offset, n);
      count += n;
    }
    return n;
  }

  /** Skipped bytes are read and hashed too, or the check at the end would be meaningless. */
  @Override
  public long skip(long n) throws IOException {
    byte[] buffer = new byte[8192];
    long skipped = 0;
    while (skipped < n) {
      int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public synchronized void mark(int readLimit) {
    // Not supported: a reset would hash bytes twice.
  }

  @Override
  public synchronized void reset() throws IOException {
    throw new IOException("mark/reset not supported");
  }

  private void verify() throws IOException {
    if (!verified) {
      verified = true;
      String actual = HexFormat.of().formatHex(digest.digest());
      if (!actual.equals(expectedSha256)) {
        failure =
            name
                + " is corrupted: its "
                + count
                + " bytes have sha256 "
                + actual
                + ", expected "
                + expectedSha256;
      }
    }
    if (failure != null) {
      // Every later read fails too, so no caller can mistake the end for a clean one.
      throw new IOException(failure);
    }
  }
}
