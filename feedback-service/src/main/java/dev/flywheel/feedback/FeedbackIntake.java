package dev.flywheel.feedback;

import dev.flywheel.events.FeedbackKind;
import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.schemas.Topic;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * First stop of feedback: refuses feedback that breaks its contract, drops a repeated idempotency
 * id (remembered in a window store for {@link FeedbackSettings#dedupRetention()}), and wraps the
 * rest with where it was read.
 */
final class FeedbackIntake
    implements FixedKeyProcessor<String, FeedbackReceived, Routed<Envelope>> {
  private final String storeName;
  private final long retentionMs;
  private final Topic<String, FeedbackReceived> topic;
  private final FeedbackMetrics metrics;
  private FixedKeyProcessorContext<String, Routed<Envelope>> context;
  private WindowStore<String, Long> seen;

  FeedbackIntake(
      String storeName,
      Duration retention,
      Topic<String, FeedbackReceived> topic,
      FeedbackMetrics metrics) {
    this.storeName = storeName;
    this.retentionMs = retention.toMillis();
    this.topic = topic;
    this.metrics = metrics;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, Routed<Envelope>> context) {
    this.context = context;
    this.seen = context.getStateStore(storeName);
  }

  @Override
  public void process(FixedKeyRecord<String, FeedbackReceived> record) {
    RecordMetadata source =
        context
            .recordMetadata()
            .orElseThrow(() -> new IllegalStateException("feedback without source metadata"));
    FeedbackReceived feedback = record.value();
    String problem = problem(record.key(), feedback);
    if (problem != null) {
      context.forward(
          record.withValue(
              Routed.rejected(
                  new Rejection(
                      Rejection.Reason.INVALID_FEEDBACK,
                      problem,
                      record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
                      feedback == null
                          ? null
                          : topic.valueSerde().serializer().serialize(topic.name(), feedback),
                      record.headers(),
                      source.topic(),
                      source.partition(),
                      source.offset()))));
      return;
    }
    if (seenBefore(feedback.getIdempotencyId(), record.timestamp())) {
      metrics.dedupHit();
      return;
    }
    context.forward(
        record.withValue(
            Routed.accepted(
                new Envelope(feedback, source.topic(), source.partition(), source.offset()))));
  }

  private boolean seenBefore(String idempotencyId, long timestamp) {
    try (WindowStoreIterator<Long> hits =
        seen.fetch(idempotencyId, timestamp - retentionMs, timestamp + retentionMs)) {
      if (hits.hasNext()) {
        return true;
      }
    }
    seen.put(idempotencyId, timestamp, timestamp);
    return false;
  }

  /** What is wrong with the feedback, or null when it keeps its contract. */
  static String problem(String key, FeedbackReceived feedback) {
    if (feedback == null) {
      return "feedback without a value";
    }
    if (blank(feedback.getIdempotencyId())) {
      return "feedback without an idempotency id";
    }
    FeedbackKind kind = feedback.getKind();
    if (kind == FeedbackKind.EXAMPLE) {
      if (blank(feedback.getModel()) || blank(feedback.getText()) || blank(feedback.getLabel())) {
        return "an EXAMPLE needs a model, a text and a label";
      }
      return null;
    }
    if (kind == null || kind == FeedbackKind.UNKNOWN) {
      return "unknown feedback kind";
    }
    if (blank(key)) {
      return kind + " feedback without a prediction id as its key";
    }
    if (feedback.getPredictionId() != null && !feedback.getPredictionId().equals(key)) {
      return "key " + key + " differs from predictionId " + feedback.getPredictionId();
    }
    if (kind == FeedbackKind.CORRECTION && blank(feedback.getLabel())) {
      return "a CORRECTION needs a label";
    }
    return null;
  }

  private static boolean blank(String text) {
    return text == null || text.isBlank();
  }
}
