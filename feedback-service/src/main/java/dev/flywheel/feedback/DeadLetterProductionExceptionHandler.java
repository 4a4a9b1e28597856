package dev.flywheel.feedback;

import dev.flywheel.schemas.DeadLetters;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An output record too large for the broker can never be written, so the input record that caused
 * it goes to the dead-letter topic and processing continues. Every other send or serialization
 * error (a broker or registry outage, a bug) fails, which stops the client so that it restarts.
 */
public final class DeadLetterProductionExceptionHandler implements ProductionExceptionHandler {
  private static final Logger LOG =
      LoggerFactory.getLogger(DeadLetterProductionExceptionHandler.class);

  private String deadLetterTopic;
  private FeedbackMetrics metrics;

  @Override
  public void configure(Map<String, ?> configs) {
    deadLetterTopic = HandlerConfig.deadLetterTopic(configs);
    metrics = HandlerConfig.metrics(configs);
  }

  @Override
  public Response handleError(
      ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
    if (!(exception instanceof RecordTooLargeException) || context.sourceRawValue() == null) {
      LOG.error(
          "Cannot write to {} (input {}-{}@{}); stopping",
          record.topic(),
          context.topic(),
          context.partition(),
          context.offset(),
          exception);
      return Response.fail();
    }
    LOG.warn(
        "Output to {} too large; input {}-{}@{} to the dead letters",
        record.topic(),
        context.topic(),
        context.partition(),
        context.offset());
    metrics.deadLetter(FeedbackMetrics.RECORD_TOO_LARGE);
    return Response.resume(
        List.of(
            DeadLetters.record(
                deadLetterTopic,
                context.sourceRawKey(),
                context.sourceRawValue(),
                context.headers(),
                context.topic(),
                context.partition(),
                context.offset(),
                FeedbackTopology.SERVICE,
                exception,
                Instant.now())));
  }

  @Override
  public Response handleSerializationError(
      ErrorHandlerContext context,
      ProducerRecord record,
      Exception exception,
      SerializationExceptionOrigin origin) {
    LOG.error(
        "Cannot serialize the {} of a record for {} (input {}-{}@{}); stopping",
        origin,
        record.topic(),
        context.topic(),
        context.partition(),
        context.offset(),
        exception);
    return Response.fail();
  }
}
