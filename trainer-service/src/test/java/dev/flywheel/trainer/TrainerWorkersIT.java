package dev.flywheel.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.TrainingPhase;
import dev.flywheel.events.TrainingProgress;
import dev.flywheel.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(EmbeddedInfraExtension.class)
class TrainerWorkersIT {
  private static final Duration WAIT = Duration.ofSeconds(120);

  private final EmbeddedInfra infra;
  @TempDir Path dir;
  private TrainerHarness harness;

  TrainerWorkersIT(EmbeddedInfra infra) {
    this.infra = infra;
  }

  @AfterEach
  void tearDown() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  private static Map<String, String> epochs(int count) {
    Map<String, String> hp = new HashMap<>(TrainerHarness.TINY);
    hp.put("epochs", Integer.toString(count));
    return hp;
  }

  @Test
  @Timeout(300)
  void shouldFinishTheRunOfAStoppedWorkerOnTheOtherWorkerWithExactlyOneCandidate()
      throws Exception {
    harness = new TrainerHarness(infra, dir);
    harness.spec("slow", TrainerHarness.LABELS, "bag", epochs(60));
    harness.examples("slow", TrainerHarness.wordnet(100), 1f);
    TrainerService a = harness.start("a", Map.of());
    TrainerService b = harness.start("b", Map.of());

    String request = harness.request("slow", false);
    await()
        .atMost(WAIT)
        .until(
            () ->
                harness.read(harness.topics.trainingProgress()).stream()
                    .anyMatch(p -> p.getPhase() == TrainingPhase.CHECKPOINT));
    String first = harness.read(harness.topics.trainingProgress()).get(0).getWorker();
    TrainerService stopped = first.equals("a-0") ? a : b;
    String survivor = first.equals("a-0") ? "b-0" : "a-0";
    harness.stop(stopped);

    await().atMost(WAIT).until(() -> harness.read(harness.topics.candidates()).size() == 1);
    harness.stop(stopped == a ? b : a);
    List<ModelCandidate> candidates = harness.read(harness.topics.candidates());
    assertThat(candidates).hasSize(1);
    ModelCandidate candidate = candidates.get(0);
    assertThat(candidate.getRequestId()).isEqualTo(request);
    assertThat(candidate.getWorker()).isEqualTo(survivor);
    assertThat(candidate.getModel().getVersion()).isEqualTo(1);
    assertThat(candidate.getEpochs()).isEqualTo(60);
    List<TrainingProgress> progress = harness.read(harness.topics.trainingProgress());
    int resumedAt =
        progress.stream()
            .filter(p -> p.getWorker().equals(survivor) && p.getPhase() == TrainingPhase.EPOCH)
            .mapToInt(TrainingProgress::getEpoch)
            .min()
            .orElseThrow();
    assertThat(resumedAt)
        .as("the survivor resumed from the stopped worker's checkpoint")
        .isGreaterThan(1);
    assertThat(harness.read(harness.topics.trainingFailures())).isEmpty();
  }

  @Test
  @Timeout(300)
  void shouldTrainTwoModelsAtOnceOnTwoWorkers() throws Exception {
    harness = new TrainerHarness(infra, dir, Map.of(Topics.RETRAIN_REQUESTS, 2));
    String left = modelOnPartition(0, "par-");
    String right = modelOnPartition(1, "par-");
    String warmLeft = modelOnPartition(0, "warm-");
    String warmRight = modelOnPartition(1, "warm-");
    for (String model : List.of(left, right, warmLeft, warmRight)) {
      harness.spec(model, TrainerHarness.LABELS, "bag", epochs(60));
      harness.examples(model, TrainerHarness.wordnet(100), 1f);
    }
    TrainerService a = harness.start("a", Map.of());
    try (TrainerProcess b =
        TrainerProcess.start(harness.env("b", Map.of()), dir.resolve("trainer-b.log"))) {
      await()
          .atMost(WAIT)
          .until(() -> b.isAlive() && a.workers().get(0).ownedPartitions().size() == 1);
      assertThat(groupMembers()).isEqualTo(2);
      // One run each first, so that neither worker's cold start (a new JVM loading PyTorch)
      // decides whether the two runs below overlap.
      harness.request(warmLeft, false);
      harness.request(warmRight, false);
      await().atMost(WAIT).until(() -> harness.read(harness.topics.candidates()).size() == 2);

      harness.request(left, false);
      harness.request(right, false);

      await().atMost(WAIT).until(() -> harness.read(harness.topics.candidates()).size() == 4);
    }
    List<ModelCandidate> candidates =
        harness.read(harness.topics.candidates()).stream()
            .filter(c -> List.of(left, right).contains(c.getModel().getModel()))
            .toList();
    assertThat(candidates)
        .extracting(c -> c.getModel().getModel())
        .containsExactlyInAnyOrder(left, right);
    assertThat(candidates)
        .extracting(ModelCandidate::getWorker)
        .containsExactlyInAnyOrder("a-0", "b-0");
    // Training itself overlapped: each worker's epochs began before the other's ended.
    List<TrainingProgress> epochs =
        harness.read(harness.topics.trainingProgress()).stream()
            .filter(p -> p.getPhase() == TrainingPhase.EPOCH)
            .filter(p -> List.of(left, right).contains(p.getModel()))
            .toList();
    Instant firstA = first(epochs, "a-0");
    Instant firstB = first(epochs, "b-0");
    assertThat(firstA).isBefore(last(epochs, "b-0"));
    assertThat(firstB).isBefore(last(epochs, "a-0"));
  }

  private static Instant first(List<TrainingProgress> events, String worker) {
    return events.stream()
        .filter(p -> p.getWorker().equals(worker))
        .map(TrainingProgress::getTimestamp)
        .min(Instant::compareTo)
        .orElseThrow();
  }

  private static Instant last(List<TrainingProgress> events, String worker) {
    return events.stream()
        .filter(p -> p.getWorker().equals(worker))
        .map(TrainingProgress::getTimestamp)
        .max(Instant::compareTo)
        .orElseThrow();
  }

  private int groupMembers() throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
      return admin
          .describeConsumerGroups(List.of(harness.groupId))
          .all()
          .get()
          .get(harness.groupId)
          .members()
          .size();
    }
  }

  /** A model name that the default partitioner puts on {@code partition} of two. */
  private static String modelOnPartition(int partition, String prefix) {
    for (int i = 0; ; i++) {
      String name = prefix + i;
      if (Utils.toPositive(Utils.murmur2(name.getBytes(StandardCharsets.UTF_8))) % 2 == partition) {
        return name;
      }
    }
  }
}
