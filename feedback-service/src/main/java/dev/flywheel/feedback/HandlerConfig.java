package dev.flywheel.feedback;

import dev.flywheel.schemas.SchemaRegistryException;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/** What the exception handlers read from the Streams configuration they are configured with. */
final class HandlerConfig {
  /**
   * Key of the {@link FeedbackMetrics} instance in the Streams properties: Kafka hands every
   * property, objects included, to the handlers' {@code configure}.
   */
  static final String METRICS = "flywheel.feedback.metrics";

  private HandlerConfig() {}

  static String deadLetterTopic(Map<String, ?> configs) {
    Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
    if (!(topic instanceof String name) || name.isBlank()) {
      throw new ConfigException(
          StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG,
          topic,
          "the feedback service's handlers need the dead-letter topic");
    }
    return name;
  }

  static FeedbackMetrics metrics(Map<String, ?> configs) {
    Object metrics = configs.get(METRICS);
    if (!(metrics instanceof FeedbackMetrics found)) {
      throw new ConfigException(METRICS, metrics, "must be the service's FeedbackMetrics");
    }
    return found;
  }

  /**
   * Whether the error says the schema registry could not be asked (no answer, or a server error):
   * then the record is not poison, and parking it would lose good data.
   */
  static boolean registryUnavailable(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SchemaRegistryException registry
          && (registry.httpStatus() < 0 || registry.httpStatus() >= 500)) {
        return true;
      }
    }
    return false;
  }
}
