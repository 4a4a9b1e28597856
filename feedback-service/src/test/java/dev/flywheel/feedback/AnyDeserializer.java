package dev.flywheel.feedback;

import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.Topics;
import org.apache.kafka.common.serialization.Deserializer;

/** Deserializes a value with the value serde the catalogue declares for the record's topic. */
final class AnyDeserializer implements Deserializer<Object> {
  private final Topics topics;

  AnyDeserializer(Topics topics) {
    this.topics = topics;
  }

  @Override
  public Object deserialize(String topic, byte[] data) {
    Topic<?, ?> declared =
        topics.byName(topic).orElseThrow(() -> new IllegalArgumentException(topic));
    return declared.valueSerde().deserializer().deserialize(topic, data);
  }
}
