package dev.flywheel.schemas;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The Confluent wire format: magic byte 0, the schema id as 4 bytes big-endian, then the Avro
 * binary encoding of the record.
 */
public final class WireFormat {
  /** The first byte of every record in the wire format. */
  public static final byte MAGIC_BYTE = 0;

  /** Bytes before the Avro payload: the magic byte and the schema id. */
  public static final int HEADER_SIZE = 5;

  private WireFormat() {}

  /**
   * The schema id of a record in the wire format.
   *
   * @throws UnknownMagicByteException when {@code bytes} do not start with the magic byte
   */
  public static int schemaId(String topic, byte[] bytes) {
    if (bytes.length == 0) {
      throw new SerializationException(
          "Record of topic " + topic + " is empty: no magic byte, no schema id");
    }
    if (bytes[0] != MAGIC_BYTE) {
      throw new UnknownMagicByteException(topic, bytes[0]);
    }
    if (bytes.length < HEADER_SIZE) {
      throw new SerializationException(
          "Record of topic "
              + topic
              + " is "
              + bytes.length
              + " bytes long: too short for a schema id");
    }
    return ByteBuffer.wrap(bytes, 1, 4).getInt();
  }
}
