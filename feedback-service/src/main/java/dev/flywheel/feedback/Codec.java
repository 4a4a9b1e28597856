package dev.flywheel.feedback;

import dev.flywheel.schemas.ByteBuilder;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A compact binary serde for the service's internal values (state stores, repartition topics).
 * Those never leave the application, so they need no registry; a leading format byte lets a later
 * version of a type change its layout and still read what an older version wrote.
 */
final class Codec {
  private Codec() {}

  /** Writes one value. */
  interface Writer<T> {
    void write(T value, DataOutputStream out) throws IOException;
  }

  /** Reads one value. */
  interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  static <T> Serde<T> serde(byte format, Writer<T> writer, Reader<T> reader) {
    return serde(format, writer, reader, Map.of());
  }

  /**
   * A serde that writes {@code format} and reads it as well as each older format in {@code older},
   * so that a changed layout can still read what an earlier version of the service left in a store
   * or an internal topic.
   */
  static <T> Serde<T> serde(
      byte format, Writer<T> writer, Reader<T> reader, Map<Byte, Reader<T>> older) {
    Serializer<T> serializer =
        (topic, value) -> {
          if (value == null) {
            return null;
          }
          ByteBuilder bytes = new ByteBuilder(64);
          try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(format);
            writer.write(value, out);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          return bytes.toByteArray();
        };
    Deserializer<T> deserializer =
        (topic, data) -> {
          if (data == null) {
            return null;
          }
          try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte found = in.readByte();
            Reader<T> matching = found == format ? reader : older.get(found);
            if (matching == null) {
              throw new SerializationException(
                  "unknown format " + found + " (expected " + format + ") in " + topic);
            }
            return matching.read(in);
          } catch (IOException e) {
            throw new SerializationException("cannot read an internal value of " + topic, e);
          }
        };
    return Serdes.serdeFrom(serializer, deserializer);
  }

  /**
   * {@code value} (not negative) zero-padded to 19 digits, so that such strings sort as numbers.
   */
  static String sortable(long value) {
    String digits = Long.toString(value);
    return "0".repeat(Math.max(0, 19 - digits.length())) + digits;
  }

  static void writeNullableString(DataOutputStream out, String value) throws IOException {
    out.writeBoolean(value != null);
    if (value != null) {
      out.writeUTF(value);
    }
  }

  static String readNullableString(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }

  static void writeBytes(DataOutputStream out, byte[] value) throws IOException {
    out.writeInt(value == null ? -1 : value.length);
    if (value != null) {
      out.write(value);
    }
  }

  static byte[] readBytes(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    byte[] value = new byte[length];
    in.readFully(value);
    return value;
  }
}
