package dev.flywheel.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.flywheel.common.snapshot.ExampleSnapshot;
import dev.flywheel.common.snapshot.ExampleSnapshotReader;
import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelRef;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ReleaseKind;
import dev.flywheel.events.TrainingPhase;
import dev.flywheel.events.TrainingProgress;
import dev.flywheel.slm.Classifier;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.ModelBundle;
import dev.flywheel.slm.Prediction;
import dev.flywheel.slm.store.ArtifactStores;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(EmbeddedInfraExtension.class)
class TrainerServiceIT {
  private static final Duration WAIT = Duration.ofSeconds(90);

  private final EmbeddedInfra infra;
  @TempDir Path dir;
  private TrainerHarness harness;

  TrainerServiceIT(EmbeddedInfra infra) {
    this.infra = infra;
  }

  @AfterEach
  void tearDown() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  @Timeout(240)
  void shouldTurnARequestIntoOneCandidateThatPredictsAndWhoseSnapshotRebuildsTheTrainingSet()
      throws Exception {
    harness = new TrainerHarness(infra, dir);
    harness.spec("topics", TrainerHarness.LABELS, "bag", TrainerHarness.TINY);
    List<LabeledExample> written = harness.examples("topics", TrainerHarness.wordnet(60), 1f);
    TrainerService service = harness.start("a", Map.of());
    assertThat(harness.management(service, "/health/ready").statusCode()).isEqualTo(200);

    String requestId = harness.request("topics", false);

    await().atMost(WAIT).until(() -> harness.read(harness.topics.candidates()).size() == 1);
    ModelCandidate candidate = harness.read(harness.topics.candidates()).get(0);
    assertThat(candidate.getRequestId()).isEqualTo(requestId);
    assertThat(candidate.getModel()).isEqualTo(new ModelRef("topics", 1));
    assertThat(candidate.getLabels()).containsExactlyElementsOf(TrainerHarness.LABELS);
    assertThat(candidate.getArchitecture()).isEqualTo("bag");
    assertThat(candidate.getHyperparameters()).containsEntry("epochs", "2");
    assertThat(candidate.getEpochs()).isEqualTo(2);
    assertThat(candidate.getParentVersion()).isNull();
    assertThat(candidate.getWorker()).isEqualTo("a-0");
    assertThat(candidate.getTrainingMetrics()).containsKeys("loss", "examplesPerSecond");
    assertThat(candidate.getValidationMetrics()).containsKey("accuracy");
    long nonHoldout = written.stream().filter(e -> !e.getHoldout()).count();
    assertThat(candidate.getSnapshot().getTrainExamples()).isEqualTo(nonHoldout);
    assertThat(candidate.getSnapshot().getHoldoutExamples()).isEqualTo(written.size() - nonHoldout);

    ModelBundle bundle =
        ModelBundle.fromBytes(
            ArtifactStores.forUri(dir.resolve("artifacts").toUri())
                .read(URI.create(candidate.getArtifactUri())),
            candidate.getSha256());
    assertThat(bundle.sizeBytes()).isEqualTo(candidate.getSizeBytes());
    try (Classifier classifier = Classifier.load(bundle)) {
      Prediction prediction = classifier.predict(written.get(0).getText());
      assertThat(TrainerHarness.LABELS).contains(prediction.label());
      assertThat(prediction.scores()).hasSize(4);
    }

    harness.examples(
        "topics", List.of(new Example("x", "a late example about cats", "animal")), 1f);
    try (ExampleSnapshotReader reader = harness.snapshotReader()) {
      ExampleSnapshot rebuilt = reader.readUpTo(candidate.getSnapshot(), "topics");
      assertThat(rebuilt.snapshot()).isEqualTo(candidate.getSnapshot());
      assertThat(rebuilt.training())
          .extracting(LabeledExample::getExampleId)
          .containsExactlyInAnyOrderElementsOf(
              written.stream()
                  .filter(e -> !e.getHoldout())
                  .map(LabeledExample::getExampleId)
                  .toList());
    }

    List<TrainingProgress> progress = harness.read(harness.topics.trainingProgress());
    assertThat(progress)
        .extracting(TrainingProgress::getPhase)
        .contains(
            TrainingPhase.STARTED,
            TrainingPhase.EPOCH,
            TrainingPhase.CHECKPOINT,
            TrainingPhase.FINISHED);
    assertThat(progress).allMatch(p -> p.getRequestId().equals(requestId) && p.getVersion() == 1);

    // The evaluator releases v1; the next request warm-starts from it, a from-scratch one does not.
    harness.send(
        harness.topics.releases(),
        "topics",
        ModelReleased.newBuilder()
            .setReleaseId(UUID.randomUUID().toString())
            .setModel(new ModelRef("topics", 1))
            .setKind(ReleaseKind.PROMOTED)
            .setArtifactUri(candidate.getArtifactUri())
            .setSha256(candidate.getSha256())
            .setTimestamp(Instant.now())
            .build());
    harness.request("topics", false);
    await().atMost(WAIT).until(() -> harness.read(harness.topics.candidates()).size() == 2);
    harness.request("topics", true);
    await().atMost(WAIT).until(() -> harness.read(harness.topics.candidates()).size() == 3);
    List<ModelCandidate> all = harness.read(harness.topics.candidates());
    assertThat(all).extracting(c -> c.getModel().getVersion()).containsExactly(1, 2, 3);
    assertThat(all.get(1).getParentVersion()).isEqualTo(1);
    assertThat(all.get(2).getParentVersion()).isNull();

    String metrics = harness.management(service, "/metrics").body();
    assertThat(metrics)
        .contains("flywheel_trainer_runs_total{outcome=\"candidate\"} 3.0")
        .contains("flywheel_trainer_run_duration_seconds_bucket")
        .contains("flywheel_trainer_examples_per_second")
        .contains("flywheel_trainer_last_loss")
        .contains("flywheel_trainer_queue_lag")
        .contains("flywheel_trainer_device");
  }

  @Test
  @Timeout(180)
  void shouldServeRequestsThatQueuedWhileTheModelTrainedWithOneRun() throws Exception {
    harness = new TrainerHarness(infra, dir);
    Map<String, String> longer = new java.util.HashMap<>(TrainerHarness.TINY);
    longer.put("epochs", "25");
    harness.spec("burst", TrainerHarness.LABELS, "bag", longer);
    harness.examples("burst", TrainerHarness.wordnet(100), 1f);
    TrainerService service = harness.start("a", Map.of());
    TrainingWorker worker = service.workers().get(0);

    // This process's engine is held while the others are queued, so the first run (claimed, but
    // waiting to train) cannot end before they are all in the topic, however fast it trains.
    EngineLock.acquire();
    String first;
    List<String> queued;
    try {
      first = harness.request("burst", false);
      await()
          .atMost(WAIT)
          .until(() -> worker.currentRequest().equals(java.util.Optional.of(first)));
      queued = harness.requests("burst", false, false, true);
    } finally {
      EngineLock.release();
    }
    String second = queued.get(0);
    String third = queued.get(1);
    String fourth = queued.get(2);

    await().atMost(WAIT).until(() -> harness.read(harness.topics.candidates()).size() == 2);
    List<ModelCandidate> candidates = harness.read(harness.topics.candidates());
    assertThat(candidates.get(0).getRequestId()).isEqualTo(first);
    assertThat(candidates.get(0).getCoalescedRequestIds()).isEmpty();
    assertThat(candidates.get(1).getRequestId()).isEqualTo(second);
    assertThat(candidates.get(1).getCoalescedRequestIds()).containsExactly(third, fourth);
    assertThat(candidates.get(1).getSnapshot().getTakenAt())
        .isAfter(candidates.get(0).getSnapshot().getTakenAt());
    // The coalesced requests are committed: nothing more is trained, even after a restart.
    harness.stop(service);
    harness.start("b", Map.of());
    String fifth = harness.request("burst", false);
    await().atMost(WAIT).until(() -> harness.read(harness.topics.candidates()).size() == 3);
    assertThat(harness.read(harness.topics.candidates()).get(2).getRequestId()).isEqualTo(fifth);
  }
}
