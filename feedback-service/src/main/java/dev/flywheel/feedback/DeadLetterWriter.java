package dev.flywheel.feedback;

import dev.flywheel.schemas.DeadLetters;
import java.time.Instant;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Writes refused records to the dead-letter topic with the standard {@link DeadLetters} headers.
 */
final class DeadLetterWriter implements Processor<String, Rejection, byte[], byte[]> {
  private final String deadLetterTopic;
  private final String service;
  private final FeedbackMetrics metrics;
  private ProcessorContext<byte[], byte[]> context;

  DeadLetterWriter(String deadLetterTopic, String service, FeedbackMetrics metrics) {
    this.deadLetterTopic = deadLetterTopic;
    this.service = service;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
  }

  @Override
  public void process(Record<String, Rejection> record) {
    Rejection rejection = record.value();
    ProducerRecord<byte[], byte[]> letter =
        DeadLetters.record(
            deadLetterTopic,
            rejection.key(),
            rejection.value(),
            rejection.headers(),
            rejection.topic(),
            rejection.partition(),
            rejection.offset(),
            service,
            rejection.error(),
            Instant.ofEpochMilli(context.currentSystemTimeMs()));
    metrics.deadLetter(rejection.reason().name());
    context.forward(
        new Record<>(letter.key(), letter.value(), record.timestamp(), letter.headers()));
  }
}
