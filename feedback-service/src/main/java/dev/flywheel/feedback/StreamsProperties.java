package dev.flywheel.feedback;

import dev.flywheel.schemas.Topics;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;

/** Streams settings the topology relies on, whoever runs it: the service or a test driver. */
final class StreamsProperties {
  private StreamsProperties() {}

  /**
   * The explicit exception handlers with what they need, and the check that every store and
   * internal topic has an explicit name.
   */
  static Map<String, Object> required(Topics topics, FeedbackMetrics metrics) {
    Map<String, Object> props = new LinkedHashMap<>();
    props.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterDeserializationHandler.class);
    props.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        FailingProcessingExceptionHandler.class);
    props.put(
        StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterProductionExceptionHandler.class);
    // Global-table updates fail through the same handler instead of bypassing it.
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    props.put(
        StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, topics.deadLetters().name());
    props.put(HandlerConfig.METRICS, metrics);
    props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
    return props;
  }
}
