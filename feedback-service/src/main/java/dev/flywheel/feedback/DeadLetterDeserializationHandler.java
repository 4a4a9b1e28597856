package dev.flywheel.feedback;

import dev.flywheel.common.kafka.ErrorClassifier;
import dev.flywheel.schemas.DeadLetters;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record that cannot be deserialized is poison: it goes to the dead-letter topic with the
 * standard {@link DeadLetters} headers (error, source topic, partition, offset) and processing
 * continues. When the schema registry cannot be reached, or the error is fatal or retriable, the
 * record is not to blame: the handler fails, which stops the client so that it restarts and
 * retries.
 */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);

  private String deadLetterTopic;
  private FeedbackMetrics metrics;

  @Override
  public void configure(Map<String, ?> configs) {
    deadLetterTopic = HandlerConfig.deadLetterTopic(configs);
    metrics = HandlerConfig.metrics(configs);
  }

  @Override
  public Response handleError(
      ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
    if (HandlerConfig.registryUnavailable(exception) || !isPermanent(exception)) {
      LOG.error(
          "Cannot deserialize {}-{}@{} for a reason that is not the record's; stopping",
          record.topic(),
          record.partition(),
          record.offset(),
          exception);
      return Response.fail();
    }
    LOG.warn(
        "Poison record {}-{}@{} to the dead letters: {}",
        record.topic(),
        record.partition(),
        record.offset(),
        exception.toString());
    metrics.deadLetter(FeedbackMetrics.DESERIALIZATION);
    return Response.resume(
        List.of(
            DeadLetters.record(
                deadLetterTopic, record, FeedbackTopology.SERVICE, exception, Instant.now())));
  }

  private static boolean isPermanent(Exception exception) {
    return switch (ErrorClassifier.classify(exception)) {
      case PERMANENT -> true;
      case RETRIABLE, FATAL -> false;
    };
  }
}
