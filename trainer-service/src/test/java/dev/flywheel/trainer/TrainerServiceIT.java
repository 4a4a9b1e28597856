package dev.flywheel.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.flywheel.common.snapshot.ExampleSnapshot;
import dev.flywheel.common.snapshot.ExampleSnapshotReader;
import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.events.FailureReason;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelRef;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ReleaseKind;
import dev.flywheel.events.TrainingFailed;
import dev.flywheel.events.TrainingPhase;
import dev.flywheel.events.TrainingProgress;
import dev.flywheel.slm.Classifier;
import dev.flywheel.slm.EngineLock;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.ModelBundle;
import dev.flywheel.slm.Prediction;
import dev.flywheel.slm.store.ArtifactStores;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
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
    harness.examples("topics", List.of(new Example("y", "a late example about bread", "food")), 1f);
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
      // Once the first run has its snapshot, new examples arrive: the queued requests are for
      // them (requests for nothing new would not be run at all).
      await().atMost(WAIT).until(() -> started(first));
      List<Example> written = TrainerHarness.wordnet(100);
      harness.examples(
          "burst",
          TrainerHarness.wordnet(110).stream().filter(e -> !written.contains(e)).toList(),
          1f);
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
    harness.examples("burst", TrainerHarness.wordnet(110).subList(0, 1), 2f);
    String fifth = harness.request("burst", false);
    await().atMost(WAIT).until(() -> harness.read(harness.topics.candidates()).size() == 3);
    assertThat(harness.read(harness.topics.candidates()).get(2).getRequestId()).isEqualTo(fifth);
  }

  @Test
  @Timeout(240)
  void shouldNeverTrainTwoCandidatesOnOneSnapshotUnlessForced() throws Exception {
    harness = new TrainerHarness(infra, dir);
    harness.spec("stream", TrainerHarness.LABELS, "bag", TrainerHarness.TINY);
    List<Example> stream = new ArrayList<>(TrainerHarness.wordnet(60));
    Collections.shuffle(stream, new Random(7));
    harness.start("a", Map.of());

    // A steady stream: each batch of examples is followed by two requests for it, as a trigger
    // that counted examples the previous run already held would send them.
    List<String> requests = new ArrayList<>();
    int[] ends = {120, 160, 200};
    int from = 0;
    for (int end : ends) {
      harness.examples("stream", stream.subList(from, end), 1f);
      from = end;
      requests.addAll(harness.requests("stream", false, false));
      await().atMost(WAIT).until(() -> answered(requests));
    }
    // A manual request with nothing new is answered, not run; a forced one is run. An example
    // written again as it was moves the end offsets but changes nothing to train on.
    harness.examples("stream", stream.subList(0, 1), 1f);
    String unchanged = harness.request("stream", false);
    requests.add(unchanged);
    await().atMost(WAIT).until(() -> answered(requests));
    String forced = harness.forcedRequest("stream");
    requests.add(forced);
    await().atMost(WAIT).until(() -> answered(requests));

    List<ModelCandidate> candidates = harness.read(harness.topics.candidates());
    assertThat(candidates).hasSize(ends.length + 1);
    // Candidates grouped by the examples their snapshots hold (offsets may differ for the same
    // examples: the rewritten one moved them).
    Map<List<String>, List<String>> bySnapshot = new HashMap<>();
    try (ExampleSnapshotReader reader = harness.snapshotReader()) {
      for (ModelCandidate c : candidates) {
        List<String> key = content(reader.readUpTo(c.getSnapshot(), "stream"));
        bySnapshot.computeIfAbsent(key, k -> new ArrayList<>()).add(c.getRequestId());
      }
    }
    assertThat(bySnapshot.values())
        .filteredOn(ids -> ids.size() > 1)
        .singleElement()
        .satisfies(ids -> assertThat(ids).hasSize(2).contains(forced));
    assertThat(candidates.get(candidates.size() - 1).getRequestId()).isEqualTo(forced);
    List<TrainingFailed> failures = harness.read(harness.topics.trainingFailures());
    assertThat(failures).allMatch(f -> f.getReason() == FailureReason.UNCHANGED_SNAPSHOT);
    assertThat(failures)
        .filteredOn(f -> f.getRequestId().equals(unchanged))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.getVersion()).isNull();
              assertThat(f.getMessage())
                  .contains("have not changed since v" + ends.length)
                  .contains("force=true");
            });
  }

  /** What a snapshot gives training and evaluation: every example's id, label and weight. */
  private static List<String> content(ExampleSnapshot snapshot) {
    return java.util.stream.Stream.concat(snapshot.training().stream(), snapshot.holdout().stream())
        .map(e -> e.getExampleId() + "/" + e.getLabel() + "/" + e.getWeight())
        .sorted()
        .toList();
  }

  /** Whether a candidate or a failure has answered every one of these requests. */
  private boolean answered(List<String> requests) {
    Set<String> done = new HashSet<>();
    for (ModelCandidate c : harness.read(harness.topics.candidates())) {
      done.add(c.getRequestId());
      done.addAll(c.getCoalescedRequestIds());
    }
    for (TrainingFailed f : harness.read(harness.topics.trainingFailures())) {
      done.add(f.getRequestId());
    }
    return done.containsAll(requests);
  }

  private boolean started(String requestId) {
    return harness.read(harness.topics.trainingProgress()).stream()
        .anyMatch(p -> p.getRequestId().equals(requestId) && p.getPhase() == TrainingPhase.STARTED);
  }
}
