package dev.flywheel.feedback;

import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.Topics;
import org.apache.kafka.common.serialization.Serializer;

/** Serializes a value with the value serde the catalogue declares for the record's topic. */
final class AnySerializer implements Serializer<Object> {
  private final Topics topics;

  AnySerializer(Topics topics) {
    this.topics = topics;
  }

  @Override
  @SuppressWarnings("unchecked")
  public byte[] serialize(String topic, Object data) {
    Topic<?, Object> declared =
        (Topic<?, Object>)
            topics.byName(topic).orElseThrow(() -> new IllegalArgumentException(topic));
    return declared.valueSerde().serializer().serialize(topic, data);
  }
}
