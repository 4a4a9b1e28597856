package dev.flywheel.feedback;

import dev.flywheel.events.PredictionLogged;
import dev.flywheel.schemas.Topic;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * First stop of predictions: one that breaks its contract (no model, a version below 1, no label or
 * input) would poison the join and the quality windows, so it goes to the dead letters; the others
 * go on as the join's input.
 */
final class PredictionIntake
    implements FixedKeyProcessor<String, PredictionLogged, Routed<JoinInput>> {
  private final Topic<String, PredictionLogged> topic;
  private final Routed.Outlets outlets;
  private FixedKeyProcessorContext<String, Routed<JoinInput>> context;

  PredictionIntake(Topic<String, PredictionLogged> topic, Routed.Outlets outlets) {
    this.topic = topic;
    this.outlets = outlets;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, Routed<JoinInput>> context) {
    this.context = context;
  }

  @Override
  public void process(FixedKeyRecord<String, PredictionLogged> record) {
    String problem = problem(record.key(), record.value());
    if (problem == null) {
      forward(record.withValue(Routed.accepted(JoinInput.of(record.value()))));
      return;
    }
    RecordMetadata source =
        context
            .recordMetadata()
            .orElseThrow(() -> new IllegalStateException("prediction without source metadata"));
    forward(
        record.withValue(
            Routed.rejected(
                new Rejection(
                    Rejection.Reason.INVALID_PREDICTION,
                    problem,
                    record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
                    record.value() == null
                        ? null
                        : topic.valueSerde().serializer().serialize(topic.name(), record.value()),
                    record.headers(),
                    source.topic(),
                    source.partition(),
                    source.offset()))));
  }

  private void forward(FixedKeyRecord<String, Routed<JoinInput>> routed) {
    context.forward(routed, outlets.of(routed.value()));
  }

  /** What is wrong with the prediction, or null when it keeps its contract. */
  static String problem(String key, PredictionLogged prediction) {
    if (prediction == null) {
      return "prediction without a value";
    }
    if (key == null || !key.equals(prediction.getPredictionId())) {
      return "key " + key + " is not the predictionId " + prediction.getPredictionId();
    }
    if (prediction.getModel() == null
        || prediction.getModel().getModel() == null
        || prediction.getModel().getModel().isBlank()
        || prediction.getModel().getModel().contains(":")) {
      return "prediction without a valid model name";
    }
    if (prediction.getModel().getVersion() < 1) {
      return "model version " + prediction.getModel().getVersion() + " (versions start at 1)";
    }
    if (prediction.getLabel() == null || prediction.getLabel().isBlank()) {
      return "prediction without a label";
    }
    if (prediction.getInput() == null) {
      return "prediction without an input";
    }
    return null;
  }
}
