package dev.flywheel.feedback;

import dev.flywheel.events.DatasetSnapshot;
import dev.flywheel.events.FeedbackKind;
import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.PartitionRange;
import dev.flywheel.events.PredictionLogged;
import dev.flywheel.events.ReleaseKind;
import dev.flywheel.events.RetrainReason;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.events.TriggerPolicy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Builders of the events the tests feed the topology. */
final class TestEvents {
  private TestEvents() {}

  static PredictionLogged prediction(
      String id, String model, int version, String input, String label, Instant at) {
    return PredictionLogged.newBuilder()
        .setPredictionId(id)
        .setModel(dev.flywheel.schemas.Events.ref(model, version))
        .setApp("app-1")
        .setInput(input)
        .setLabel(label)
        .setTimestamp(at)
        .build();
  }

  static FeedbackReceived feedback(
      FeedbackKind kind, String predictionId, String label, String idempotencyId, Instant at) {
    return FeedbackReceived.newBuilder()
        .setFeedbackId(UUID.randomUUID().toString())
        .setIdempotencyId(idempotencyId)
        .setKind(kind)
        .setPredictionId(predictionId)
        .setLabel(label)
        .setApp("app-1")
        .setTimestamp(at)
        .build();
  }

  static FeedbackReceived example(String model, String text, String label, Instant at) {
    return FeedbackReceived.newBuilder()
        .setFeedbackId(UUID.randomUUID().toString())
        .setIdempotencyId(UUID.randomUUID().toString())
        .setKind(FeedbackKind.EXAMPLE)
        .setModel(model)
        .setText(text)
        .setLabel(label)
        .setApp("app-2")
        .setTimestamp(at)
        .build();
  }

  static ModelSpec spec(
      String name, List<String> labels, double holdoutShare, TriggerPolicy trigger) {
    return ModelSpec.newBuilder()
        .setName(name)
        .setLabels(labels)
        .setHoldoutShare(holdoutShare)
        .setTrigger(trigger)
        .setUpdatedAt(Instant.EPOCH)
        .build();
  }

  static TriggerPolicy policy(
      int minNewExamples, long cooldownMillis, boolean drift, int driftMinFeedback, double margin) {
    return TriggerPolicy.newBuilder()
        .setMinNewExamples(minNewExamples)
        .setCooldownMillis(cooldownMillis)
        .setDriftEnabled(drift)
        .setDriftMinFeedback(driftMinFeedback)
        .setDriftMargin(margin)
        .build();
  }

  static ModelReleased release(String model, int version, double accuracy) {
    return ModelReleased.newBuilder()
        .setReleaseId(UUID.randomUUID().toString())
        .setModel(dev.flywheel.schemas.Events.ref(model, version))
        .setKind(ReleaseKind.PROMOTED)
        .setArtifactUri("file:/tmp/" + model + "-" + version)
        .setSha256("00")
        .setMetrics(Map.of("accuracy", accuracy))
        .setTimestamp(Instant.EPOCH)
        .build();
  }

  static RetrainRequested manualRequest(String model, Instant at) {
    return RetrainRequested.newBuilder()
        .setRequestId(UUID.randomUUID().toString())
        .setModel(model)
        .setReason(RetrainReason.MANUAL)
        .setRequestedBy("admin")
        .setTimestamp(at)
        .build();
  }

  /** A candidate of {@code model} trained on a snapshot of {@code trainExamples} examples. */
  static ModelCandidate candidate(String model, int version, long trainExamples, Instant at) {
    return ModelCandidate.newBuilder()
        .setModel(dev.flywheel.schemas.Events.ref(model, version))
        .setRequestId(UUID.randomUUID().toString())
        .setArtifactUri("file:/tmp/" + model + "-" + version)
        .setSha256("00")
        .setSizeBytes(1)
        .setArchitecture("bag")
        .setLabels(List.of("negative", "positive"))
        .setSnapshot(
            DatasetSnapshot.newBuilder()
                .setTopic("examples")
                .setRanges(List.of(new PartitionRange(0, 0L, trainExamples)))
                .setTrainExamples(trainExamples)
                .setTakenAt(at)
                .build())
        .setWorker("test")
        .setDurationMillis(1)
        .setTimestamp(at)
        .build();
  }
}
