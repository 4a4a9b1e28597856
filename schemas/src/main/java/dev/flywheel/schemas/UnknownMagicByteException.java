package dev.flywheel.schemas;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record's value (or key) does not start with the Confluent wire format's magic byte 0: it was
 * not written by a schema-registry serializer.
 */
public class UnknownMagicByteException extends SerializationException {
  private static final long serialVersionUID = 1L;

  private final String topic;
  private final byte magicByte;

  public UnknownMagicByteException(String topic, byte magicByte) {
    super(
        "Record of topic "
            + topic
            + " starts with byte "
            + magicByte
            + ", not the wire format's magic byte 0: not written by a schema-registry serializer");
    this.topic = topic;
    this.magicByte = magicByte;
  }

  public String topic() {
    return topic;
  }

  public byte magicByte() {
    return magicByte;
  }
}
