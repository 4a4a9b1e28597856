package dev.flywheel.schemas;

import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * A growable byte array for serializers: {@link java.io.ByteArrayOutputStream} without its lock per
 * write. A serializer's buffer never leaves its thread, and Avro's direct encoder writes field by
 * field, so the locks showed up in the feedback service's stream-thread profile. Not thread-safe.
 */
public final class ByteBuilder extends OutputStream {
  private byte[] bytes;
  private int size;

  public ByteBuilder(int initialCapacity) {
    bytes = new byte[initialCapacity];
  }

  @Override
  public void write(int b) {
    ensure(1);
    bytes[size++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    Objects.checkFromIndexSize(off, len, b.length);
    ensure(len);
    System.arraycopy(b, off, bytes, size, len);
    size += len;
  }

  /** Appends {@code value} big-endian, as {@code DataOutputStream.writeInt} does. */
  public void writeInt(int value) {
    ensure(4);
    bytes[size++] = (byte) (value >>> 24);
    bytes[size++] = (byte) (value >>> 16);
    bytes[size++] = (byte) (value >>> 8);
    bytes[size++] = (byte) value;
  }

  private void ensure(int more) {
    if (more > bytes.length - size) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, Math.addExact(size, more)));
    }
  }

  /** A copy of what was written. */
  public byte[] toByteArray() {
    return Arrays.copyOf(bytes, size);
  }
}
