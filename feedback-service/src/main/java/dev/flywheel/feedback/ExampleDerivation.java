package dev.flywheel.feedback;

import dev.flywheel.events.ExampleSource;
import dev.flywheel.events.FeedbackKind;
import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.ModelRef;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.PredictionLogged;
import dev.flywheel.events.Provenance;
import dev.flywheel.schemas.Events;
import dev.flywheel.schemas.ExampleIds;
import dev.flywheel.schemas.Holdout;
import dev.flywheel.schemas.Topic;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * Turns joined feedback into what the rest of the loop needs: a live-quality signal for the
 * predicting version (its model's drift rule reads the judgements among them, folded) and a
 * candidate example.
 *
 * <ul>
 *   <li>THUMBS_UP: confirms the predicted label (weight {@link
 *       FeedbackSettings#confirmationWeight}).
 *   <li>CORRECTION: the corrected label (weight {@link FeedbackSettings#correctionWeight}); a
 *       "correction" to the predicted label counts as a confirmation in live quality.
 *   <li>THUMBS_DOWN: on a two-label model the other label (correction weight); on a many-label
 *       model no example, only the judgement against the model.
 *   <li>COMMENT: counted in live quality only.
 *   <li>EXAMPLE: passes through as a SUBMITTED example (correction weight).
 * </ul>
 *
 * Examples need the model's spec (label set, holdout share): without one the feedback is
 * dead-lettered as UNKNOWN_MODEL, with an unusable one (holdout share outside [0, 1]) as
 * INVALID_SPEC, a label outside the label set as UNKNOWN_LABEL, and feedback whose prediction never
 * came as UNMATCHED_FEEDBACK.
 */
final class ExampleDerivation implements Processor<String, Joined, String, Derived> {
  private final String specStoreName;
  private final Topic<String, FeedbackReceived> feedbackTopic;
  private final FeedbackSettings settings;
  private final FeedbackMetrics metrics;
  private final Derived.Outlets outlets;
  private ProcessorContext<String, Derived> context;
  private ReadOnlyKeyValueStore<String, ValueAndTimestamp<ModelSpec>> specs;

  ExampleDerivation(
      String specStoreName,
      Topic<String, FeedbackReceived> feedbackTopic,
      FeedbackSettings settings,
      FeedbackMetrics metrics,
      Derived.Outlets outlets) {
    this.specStoreName = specStoreName;
    this.feedbackTopic = feedbackTopic;
    this.settings = settings;
    this.metrics = metrics;
    this.outlets = outlets;
  }

  @Override
  public void init(ProcessorContext<String, Derived> context) {
    this.context = context;
    this.specs = context.getStateStore(specStoreName);
  }

  @Override
  public void process(Record<String, Joined> record) {
    FeedbackReceived feedback = record.value().envelope().feedback();
    if (feedback.getKind() == FeedbackKind.EXAMPLE) {
      submitted(record, feedback);
      return;
    }
    PredictionLogged prediction = record.value().prediction();
    if (prediction == null) {
      metrics.unmatched();
      reject(
          record,
          Rejection.Reason.UNMATCHED_FEEDBACK,
          "no prediction "
              + record.key()
              + " arrived within "
              + settings.joinWindow()
              + " (grace "
              + settings.joinGrace()
              + ")");
      return;
    }
    ModelRef ref = prediction.getModel();
    String predicted = prediction.getLabel();
    switch (feedback.getKind()) {
      case THUMBS_UP -> {
        quality(record, ref, QualitySignal.CONFIRMATION);
        example(
            record,
            prediction,
            predicted,
            ExampleSource.CONFIRMATION,
            settings.confirmationWeight());
      }
      case CORRECTION -> {
        boolean same = feedback.getLabel().equals(predicted);
        quality(record, ref, same ? QualitySignal.CONFIRMATION : QualitySignal.CORRECTION);
        example(
            record,
            prediction,
            feedback.getLabel(),
            ExampleSource.CORRECTION,
            settings.correctionWeight());
      }
      case THUMBS_DOWN -> {
        quality(record, ref, QualitySignal.THUMBS_DOWN);
        thumbsDown(record, prediction);
      }
      case COMMENT -> quality(record, ref, QualitySignal.COMMENT);
      default ->
          throw new IllegalStateException(
              "intake let through feedback of kind " + feedback.getKind());
    }
  }

  private void thumbsDown(Record<String, Joined> record, PredictionLogged prediction) {
    String model = prediction.getModel().getModel();
    ModelSpec spec = spec(model);
    if (!usable(record, spec, model)) {
      return;
    }
    List<String> labels = spec.getLabels();
    if (labels.size() != 2 || !labels.contains(prediction.getLabel())) {
      metrics.thumbsDownWithoutExample();
      return;
    }
    String other = labels.get(0).equals(prediction.getLabel()) ? labels.get(1) : labels.get(0);
    example(
        record,
        spec,
        prediction,
        other,
        ExampleSource.THUMBS_DOWN_OTHER,
        settings.correctionWeight());
  }

  private void submitted(Record<String, Joined> record, FeedbackReceived feedback) {
    String model = feedback.getModel();
    ModelSpec spec = spec(model);
    if (!usable(record, spec, model)) {
      return;
    }
    if (!knownLabel(spec, feedback.getLabel())) {
      unknownLabel(record, model, feedback.getLabel());
      return;
    }
    Provenance provenance =
        Provenance.newBuilder()
            .setFeedbackIds(List.of(feedback.getFeedbackId()))
            .setApps(List.of(feedback.getApp()))
            .build();
    emit(
        record,
        spec,
        feedback.getText(),
        feedback.getLabel(),
        ExampleSource.SUBMITTED,
        settings.correctionWeight(),
        provenance);
  }

  private void example(
      Record<String, Joined> record,
      PredictionLogged prediction,
      String label,
      ExampleSource source,
      float weight) {
    String model = prediction.getModel().getModel();
    ModelSpec spec = spec(model);
    if (usable(record, spec, model)) {
      example(record, spec, prediction, label, source, weight);
    }
  }

  /** {@link #example} with the model's spec already looked up and usable. */
  private void example(
      Record<String, Joined> record,
      ModelSpec spec,
      PredictionLogged prediction,
      String label,
      ExampleSource source,
      float weight) {
    if (!knownLabel(spec, label)) {
      unknownLabel(record, prediction.getModel().getModel(), label);
      return;
    }
    FeedbackReceived feedback = record.value().envelope().feedback();
    Provenance provenance =
        Provenance.newBuilder()
            .setFeedbackIds(List.of(feedback.getFeedbackId()))
            .setApps(List.of(feedback.getApp()))
            .setPredictionId(prediction.getPredictionId())
            .setPredictedBy(prediction.getModel())
            .build();
    emit(record, spec, prediction.getInput(), label, source, weight, provenance);
  }

  private void emit(
      Record<String, Joined> record,
      ModelSpec spec,
      String text,
      String label,
      ExampleSource source,
      float weight,
      Provenance provenance) {
    String exampleId = ExampleIds.of(spec.getName(), text);
    LabeledExample example =
        LabeledExample.newBuilder()
            .setExampleId(exampleId)
            .setModel(spec.getName())
            .setText(text)
            .setLabel(label)
            .setSource(source)
            .setWeight(weight)
            .setHoldout(Holdout.isHoldout(exampleId, spec.getHoldoutShare()))
            .setProvenance(provenance)
            .setConflicts(0)
            .setTimestamp(record.value().envelope().feedback().getTimestamp())
            .build();
    forward(record.withKey(exampleId).withValue(Derived.of(example)));
  }

  private void forward(Record<String, Derived> derived) {
    context.forward(derived, outlets.of(derived.value()));
  }

  private void quality(Record<String, Joined> record, ModelRef ref, QualitySignal signal) {
    forward(record.withKey(Events.qualityKey(ref)).withValue(Derived.of(signal)));
  }

  private ModelSpec spec(String model) {
    ValueAndTimestamp<ModelSpec> spec = specs.get(model);
    return spec == null ? null : spec.value();
  }

  private static boolean knownLabel(ModelSpec spec, String label) {
    return spec.getLabels().isEmpty() || spec.getLabels().contains(label);
  }

  /** Whether examples of {@code model} can be made; if not, rejects the record and says why. */
  private boolean usable(Record<String, Joined> record, ModelSpec spec, String model) {
    if (spec == null) {
      reject(record, Rejection.Reason.UNKNOWN_MODEL, "no model spec for model '" + model + "'");
      return false;
    }
    double share = spec.getHoldoutShare();
    if (!(share >= 0.0 && share <= 1.0)) {
      reject(
          record,
          Rejection.Reason.INVALID_SPEC,
          "the spec of model '" + model + "' has holdoutShare " + share + ", not within [0, 1]");
      return false;
    }
    return true;
  }

  private void unknownLabel(Record<String, Joined> record, String model, String label) {
    reject(
        record,
        Rejection.Reason.UNKNOWN_LABEL,
        "label '" + label + "' is not in the label set of model '" + model + "'");
  }

  private void reject(Record<String, Joined> record, Rejection.Reason reason, String detail) {
    Envelope envelope = record.value().envelope();
    Rejection rejection =
        new Rejection(
            reason,
            detail,
            record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
            feedbackTopic
                .valueSerde()
                .serializer()
                .serialize(feedbackTopic.name(), envelope.feedback()),
            record.headers(),
            envelope.topic(),
            envelope.partition(),
            envelope.offset());
    forward(record.withValue(Derived.of(rejection)));
  }
}
