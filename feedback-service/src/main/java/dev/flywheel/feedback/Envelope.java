package dev.flywheel.feedback;

import dev.flywheel.events.FeedbackReceived;
import org.apache.kafka.common.serialization.Serde;

/**
 * Accepted feedback together with where it was read, so that feedback dead-lettered hours later
 * (its prediction never came) still names its source topic, partition and offset.
 */
record Envelope(FeedbackReceived feedback, String topic, int partition, long offset) {

  /** Stores the feedback in the wire format of its own topic, so the registry knows its schema. */
  static Serde<Envelope> serde(String feedbackTopic, Serde<FeedbackReceived> feedbackSerde) {
    return Codec.serde(
        (byte) 1,
        (e, out) -> {
          out.writeUTF(e.topic);
          out.writeInt(e.partition);
          out.writeLong(e.offset);
          Codec.writeBytes(out, feedbackSerde.serializer().serialize(feedbackTopic, e.feedback));
        },
        in -> {
          String topic = in.readUTF();
          int partition = in.readInt();
          long offset = in.readLong();
          FeedbackReceived feedback =
              feedbackSerde.deserializer().deserialize(feedbackTopic, Codec.readBytes(in));
          return new Envelope(feedback, topic, partition, offset);
        });
  }
}
