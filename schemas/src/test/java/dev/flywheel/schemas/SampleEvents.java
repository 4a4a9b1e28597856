package dev.flywheel.schemas;

import dev.flywheel.events.DatasetSnapshot;
import dev.flywheel.events.Decision;
import dev.flywheel.events.EvaluationCompleted;
import dev.flywheel.events.ExampleSource;
import dev.flywheel.events.FailureReason;
import dev.flywheel.events.FeedbackKind;
import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.events.GateCheck;
import dev.flywheel.events.GatePolicy;
import dev.flywheel.events.LabelMetrics;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelMetrics;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.PartitionRange;
import dev.flywheel.events.PredictionLogged;
import dev.flywheel.events.PriorBaseline;
import dev.flywheel.events.Provenance;
import dev.flywheel.events.QualityReport;
import dev.flywheel.events.ReleaseAction;
import dev.flywheel.events.ReleaseKind;
import dev.flywheel.events.ReleaseRequested;
import dev.flywheel.events.RetrainReason;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.events.TaskType;
import dev.flywheel.events.TrainingFailed;
import dev.flywheel.events.TrainingPhase;
import dev.flywheel.events.TrainingProgress;
import dev.flywheel.events.TriggerPolicy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;

/**
 * One realistic instance of every event of the catalogue, and one with only the required fields set
 * (so every default, nested records' included, is exercised).
 */
final class SampleEvents {
  static final Instant NOW = Instant.ofEpochMilli(1_790_000_000_123L);

  private SampleEvents() {}

  /** An event for one topic of the catalogue. */
  record Sample<V extends SpecificRecord>(
      Function<Topics, Topic<String, V>> topic, String key, V value) {}

  static List<Sample<?>> full() {
    return List.of(
        new Sample<>(Topics::modelSpecs, "sentiment", modelSpec()),
        new Sample<>(Topics::predictions, "p-1", predictionLogged()),
        new Sample<>(Topics::feedback, "p-1", feedbackReceived()),
        new Sample<>(Topics::examples, labeledExample().getExampleId(), labeledExample()),
        new Sample<>(Topics::retrainRequests, "sentiment", retrainRequested()),
        new Sample<>(Topics::trainingProgress, "r-1", trainingProgress()),
        new Sample<>(Topics::candidates, "sentiment", modelCandidate()),
        new Sample<>(Topics::trainingFailures, "sentiment", trainingFailed()),
        new Sample<>(Topics::evaluations, "sentiment", evaluationCompleted()),
        new Sample<>(Topics::releases, "sentiment", modelReleased()),
        new Sample<>(Topics::releaseRequests, "sentiment", releaseRequested()),
        new Sample<>(Topics::quality, "sentiment:v3", qualityReport()));
  }

  static List<SpecificRecord> minimal() {
    return List.of(
        ModelSpec.newBuilder()
            .setName("sentiment")
            .setLabels(List.of("negative", "positive"))
            .setUpdatedAt(NOW)
            .build(),
        PredictionLogged.newBuilder()
            .setPredictionId("p-1")
            .setModel(Events.ref("sentiment", 1))
            .setApp("app")
            .setInput("great")
            .setLabel("positive")
            .setTimestamp(NOW)
            .build(),
        FeedbackReceived.newBuilder()
            .setFeedbackId("f-1")
            .setIdempotencyId("i-1")
            .setKind(FeedbackKind.THUMBS_UP)
            .setApp("app")
            .setTimestamp(NOW)
            .build(),
        LabeledExample.newBuilder()
            .setExampleId("e-1")
            .setModel("sentiment")
            .setText("great")
            .setLabel("positive")
            .setSource(ExampleSource.SUBMITTED)
            .setTimestamp(NOW)
            .build(),
        RetrainRequested.newBuilder()
            .setRequestId("r-1")
            .setModel("sentiment")
            .setReason(RetrainReason.MANUAL)
            .setTimestamp(NOW)
            .build(),
        TrainingProgress.newBuilder()
            .setRequestId("r-1")
            .setModel("sentiment")
            .setVersion(2)
            .setPhase(TrainingPhase.STARTED)
            .setWorker("w-1")
            .setTimestamp(NOW)
            .build(),
        ModelCandidate.newBuilder()
            .setModel(Events.ref("sentiment", 2))
            .setRequestId("r-1")
            .setArtifactUri("file:/tmp/a")
            .setSha256("00")
            .setSizeBytes(1)
            .setArchitecture("bag")
            .setLabels(List.of("a"))
            .setSnapshot(
                DatasetSnapshot.newBuilder()
                    .setTopic("flywheel-examples")
                    .setRanges(
                        List.of(
                            PartitionRange.newBuilder().setPartition(0).setEndOffset(9).build()))
                    .setTakenAt(NOW)
                    .build())
            .setWorker("w-1")
            .setDurationMillis(5)
            .setTimestamp(NOW)
            .build(),
        TrainingFailed.newBuilder()
            .setRequestId("r-1")
            .setModel("sentiment")
            .setReason(FailureReason.NAN_LOSS)
            .setMessage("loss is NaN")
            .setWorker("w-1")
            .setTimestamp(NOW)
            .build(),
        EvaluationCompleted.newBuilder()
            .setEvaluationId("e-1")
            .setCandidate(Events.ref("sentiment", 2))
            .setCandidateMetrics(
                ModelMetrics.newBuilder().setExamples(10).setAccuracy(0.8).setMacroF1(0.7).build())
            .setChecks(
                List.of(GateCheck.newBuilder().setName("min_accuracy").setPassed(true).build()))
            .setDecision(Decision.RELEASE)
            .setTimestamp(NOW)
            .build(),
        ModelReleased.newBuilder()
            .setReleaseId("rel-1")
            .setModel(Events.ref("sentiment", 2))
            .setKind(ReleaseKind.PROMOTED)
            .setArtifactUri("file:/tmp/a")
            .setSha256("00")
            .setTimestamp(NOW)
            .build(),
        ReleaseRequested.newBuilder()
            .setRequestId("rr-1")
            .setModel("sentiment")
            .setAction(ReleaseAction.ROLLBACK)
            .setRequestedBy("admin")
            .setTimestamp(NOW)
            .build(),
        QualityReport.newBuilder()
            .setModel(Events.ref("sentiment", 2))
            .setWindowStart(NOW.minusSeconds(60))
            .setWindowEnd(NOW)
            .setTimestamp(NOW)
            .build());
  }

  static ModelSpec modelSpec() {
    return ModelSpec.newBuilder()
        .setName("sentiment")
        .setTask(TaskType.TEXT_CLASSIFICATION)
        .setLabels(List.of("negative", "neutral", "positive"))
        .setArchitecture("lstm")
        .setHyperparameters(Map.of("epochs", "4", "learningRate", "0.001"))
        .setHoldoutShare(0.15)
        .setTrigger(
            TriggerPolicy.newBuilder().setMinNewExamples(500).setCooldownMillis(300_000).build())
        .setGate(
            GatePolicy.newBuilder()
                .setMinAccuracy(0.7)
                .setMaxLatencyP95Millis(25.0)
                .setMaxSizeBytes(50_000_000L)
                .setGoldenSet("file:/data/golden.tsv")
                .build())
        .setDescription("Sentiment of product reviews")
        .setUpdatedBy("admin-app")
        .setUpdatedAt(NOW)
        .build();
  }

  static PredictionLogged predictionLogged() {
    return PredictionLogged.newBuilder()
        .setPredictionId("7d3c1c55-3c8e-4a8e-9a57-3f4a0cbd1b10")
        .setModel(Events.ref("sentiment", 3))
        .setApp("reviews-app")
        .setInput("The battery lasts for days — très bien!")
        .setLabel("positive")
        .setScores(Map.of("negative", 0.05f, "neutral", 0.15f, "positive", 0.8f))
        .setLatencyMillis(3.25)
        .setRequestId("req-42")
        .setTimestamp(NOW)
        .build();
  }

  static FeedbackReceived feedbackReceived() {
    return FeedbackReceived.newBuilder()
        .setFeedbackId("0b8f5a4e-2f0e-4b59-8a3a-ffb3c8b7a001")
        .setIdempotencyId("client-123")
        .setKind(FeedbackKind.CORRECTION)
        .setPredictionId("7d3c1c55-3c8e-4a8e-9a57-3f4a0cbd1b10")
        .setModel("sentiment")
        .setLabel("neutral")
        .setComment("not that enthusiastic")
        .setApp("reviews-app")
        .setTimestamp(NOW)
        .build();
  }

  static LabeledExample labeledExample() {
    String text = "The battery lasts for days — très bien!";
    String id = ExampleIds.of("sentiment", text);
    return LabeledExample.newBuilder()
        .setExampleId(id)
        .setModel("sentiment")
        .setText(text)
        .setLabel("neutral")
        .setSource(ExampleSource.CORRECTION)
        .setWeight(1.0f)
        .setHoldout(Holdout.isHoldout(id, 0.1))
        .setProvenance(
            Provenance.newBuilder()
                .setFeedbackIds(List.of("0b8f5a4e-2f0e-4b59-8a3a-ffb3c8b7a001"))
                .setApps(List.of("reviews-app"))
                .setPredictionId("7d3c1c55-3c8e-4a8e-9a57-3f4a0cbd1b10")
                .setPredictedBy(Events.ref("sentiment", 3))
                .build())
        .setConflicts(1)
        .setTimestamp(NOW)
        .build();
  }

  static RetrainRequested retrainRequested() {
    return RetrainRequested.newBuilder()
        .setRequestId("r-5")
        .setModel("sentiment")
        .setReason(RetrainReason.DRIFT)
        .setNewExamples(120)
        .setTotalExamples(4_200)
        .setLiveAccuracy(0.71)
        .setOfflineAccuracy(0.84)
        .setChampionVersion(3)
        .setDetail("live accuracy upper bound 0.76 < 0.84 - 0.05")
        .setTimestamp(NOW)
        .build();
  }

  static TrainingProgress trainingProgress() {
    return TrainingProgress.newBuilder()
        .setRequestId("r-5")
        .setModel("sentiment")
        .setVersion(4)
        .setPhase(TrainingPhase.EPOCH)
        .setEpoch(2)
        .setEpochs(4)
        .setStep(260)
        .setSteps(520)
        .setLoss(0.41)
        .setValidationAccuracy(0.82)
        .setExamplesPerSecond(1_850.5)
        .setEtaMillis(12_000L)
        .setDevice("gpu(0)")
        .setWorker("trainer-1")
        .setTimestamp(NOW)
        .build();
  }

  static ModelCandidate modelCandidate() {
    return ModelCandidate.newBuilder()
        .setModel(Events.ref("sentiment", 4))
        .setRequestId("r-5")
        .setCoalescedRequestIds(List.of("r-6"))
        .setArtifactUri("file:/var/flywheel/artifacts/sentiment/v4.zip")
        .setSha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
        .setSizeBytes(2_345_678)
        .setArchitecture("lstm")
        .setLabels(List.of("negative", "neutral", "positive"))
        .setHyperparameters(Map.of("epochs", "4"))
        .setTrainingMetrics(Map.of("loss", 0.41, "accuracy", 0.86))
        .setValidationMetrics(Map.of("accuracy", 0.82))
        .setSnapshot(
            DatasetSnapshot.newBuilder()
                .setTopic("flywheel-examples")
                .setRanges(
                    List.of(
                        PartitionRange.newBuilder().setPartition(0).setEndOffset(1_400).build(),
                        PartitionRange.newBuilder()
                            .setPartition(1)
                            .setStartOffset(10)
                            .setEndOffset(1_377)
                            .build()))
                .setTrainExamples(3_780)
                .setHoldoutExamples(420)
                .setCountsPerLabel(Map.of("negative", 1_200L, "neutral", 980L, "positive", 1_600L))
                .setTakenAt(NOW.minusSeconds(90))
                .build())
        .setParentVersion(3)
        .setEpochs(4)
        .setDevice("gpu(0)")
        .setWorker("trainer-1")
        .setDurationMillis(88_000)
        .setTimestamp(NOW)
        .build();
  }

  static TrainingFailed trainingFailed() {
    return TrainingFailed.newBuilder()
        .setRequestId("r-7")
        .setModel("sentiment")
        .setVersion(5)
        .setReason(FailureReason.TOO_FEW_EXAMPLES)
        .setMessage("label neutral has 3 examples, at least 10 needed")
        .setAttempts(2)
        .setDeadLettered(true)
        .setWorker("trainer-2")
        .setTimestamp(NOW)
        .build();
  }

  static EvaluationCompleted evaluationCompleted() {
    ModelMetrics champion =
        ModelMetrics.newBuilder()
            .setExamples(420)
            .setAccuracy(0.80)
            .setMacroF1(0.78)
            .setPerLabel(
                Map.of(
                    "positive",
                    LabelMetrics.newBuilder()
                        .setPrecision(0.85)
                        .setRecall(0.9)
                        .setF1(0.874)
                        .setSupport(200)
                        .build()))
            .build();
    ModelMetrics candidate =
        ModelMetrics.newBuilder(champion)
            .setAccuracy(0.84)
            .setMacroF1(0.82)
            .setExpectedCalibrationError(0.031)
            .setLatencyP50Ms(1.2)
            .setLatencyP95Ms(2.9)
            .setSizeBytes(2_345_678L)
            .setExtra(Map.of("validationLoss", 0.39))
            .build();
    return EvaluationCompleted.newBuilder()
        .setEvaluationId("ev-9")
        .setCandidate(Events.ref("sentiment", 4))
        .setChampion(Events.ref("sentiment", 3))
        .setCandidateMetrics(candidate)
        .setChampionMetrics(champion)
        .setChecks(
            List.of(
                GateCheck.newBuilder()
                    .setName("min_accuracy")
                    .setValue(0.84)
                    .setThreshold(0.7)
                    .setPassed(true)
                    .build(),
                GateCheck.newBuilder()
                    .setName("significance")
                    .setValue(0.012)
                    .setThreshold(0.05)
                    .setPassed(true)
                    .setDetail("McNemar exact, 31 vs 14 discordant pairs")
                    .build()))
        .setPValue(0.012)
        .setPrior(
            PriorBaseline.newBuilder()
                .setMajorityLabel("positive")
                .setMajorityAccuracy(0.476)
                .setClassPriorAccuracy(0.501)
                .setExamples(420)
                .setFrequencySource("training")
                .build())
        .setDecision(Decision.RELEASE)
        .setReasons(List.of("all checks passed"))
        .setHoldoutExamples(420)
        .setDurationMillis(2_100)
        .setTimestamp(NOW)
        .build();
  }

  static ModelReleased modelReleased() {
    return ModelReleased.newBuilder()
        .setReleaseId("rel-4")
        .setModel(Events.ref("sentiment", 4))
        .setKind(ReleaseKind.PROMOTED)
        .setArtifactUri("file:/var/flywheel/artifacts/sentiment/v4.zip")
        .setSha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
        .setSizeBytes(2_345_678)
        .setLabels(List.of("negative", "neutral", "positive"))
        .setMetrics(Map.of("holdoutAccuracy", 0.84))
        .setPreviousVersion(3)
        .setEvaluationId("ev-9")
        .setReason("passed the gate")
        .setEvidence(Map.of("pValue", "0.012"))
        .setTimestamp(NOW)
        .build();
  }

  static ReleaseRequested releaseRequested() {
    return ReleaseRequested.newBuilder()
        .setRequestId("rr-2")
        .setModel("sentiment")
        .setAction(ReleaseAction.PROMOTE)
        .setVersion(4)
        .setReason("hotfix")
        .setRequestedBy("admin-app")
        .setTimestamp(NOW)
        .build();
  }

  static QualityReport qualityReport() {
    return QualityReport.newBuilder()
        .setModel(Events.ref("sentiment", 3))
        .setWindowStart(NOW.minusSeconds(300))
        .setWindowEnd(NOW)
        .setPredictions(1_000)
        .setFeedback(140)
        .setConfirmations(100)
        .setCorrections(25)
        .setThumbsDown(10)
        .setComments(5)
        .setLiveAccuracy(0.7407)
        .setAccuracyLower(0.66)
        .setAccuracyUpper(0.81)
        .setTimestamp(NOW)
        .build();
  }
}
