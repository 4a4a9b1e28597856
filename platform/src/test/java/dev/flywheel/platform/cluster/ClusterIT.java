package dev.flywheel.platform.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.flywheel.artifacts.s3.S3rverProcess;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.TrainingPhase;
import dev.flywheel.events.TrainingProgress;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.Topics;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.data.WordNetTopics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flywheel on a real three-broker cluster, every broker and service its own process, with two
 * faults a single machine never shows: the broker leading most feedback and example partitions is
 * killed ({@code kill -9}) while an app uploads examples, and the trainer worker that is training
 * is killed mid-run. Everything is counted from the topics with a {@code read_committed} consumer:
 * no acknowledged example may be lost, none duplicated, and the request must give exactly one
 * candidate and one release. The services share their artifacts (bundles, checkpoints) in an S3
 * bucket of a real S3-compatible server (s3rver), so the surviving worker resumes from a checkpoint
 * it reads from S3.
 */
class ClusterIT {
  private static final String MODEL = "cluster-topics";
  private static final Duration WAIT = Duration.ofMinutes(3);
  private static final String BUCKET = "flywheel-cluster";

  /** Kept when the test fails: every process's log is under {@code logs/}. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  @Test
  @Timeout(value = 12, unit = TimeUnit.MINUTES)
  void shouldLoseNothingWhenALeaderBrokerAndTheTrainingWorkerAreKilled() throws Exception {
    try (S3rverProcess s3 = S3rverProcess.start(dir.resolve("s3"), BUCKET);
        KafkaCluster kafka = KafkaCluster.start(dir.resolve("kafka"), 3);
        FlywheelProcesses flywheel =
            new FlywheelProcesses(
                kafka,
                dir,
                FlywheelProcesses.Store.s3(
                    s3.endpoint(), BUCKET, S3rverProcess.ACCESS_KEY, S3rverProcess.SECRET_KEY))) {
      String registry = flywheel.startRegistry();
      Topics topics = Topics.create(SchemaRegistryClient.create(registry));
      FlywheelProcesses.Gateway gateway = flywheel.startGateway("gateway-1");
      flywheel.startFeedback("feedback-1");
      flywheel.startEvaluator("evaluator-1");
      Map<String, ChildJvm> trainers = new LinkedHashMap<>();
      for (String name : List.of("trainer-a", "trainer-b")) {
        trainers.put(name + "-0", flywheel.startTrainer(name));
      }
      FlywheelProcesses.admin(
          gateway.url(), "PUT", "/v1/models/" + MODEL, FlywheelProcesses.topicsSpec(40));

      List<Example> examples =
          ExampleSender.distinctTexts(WordNetTopics.load(WordNetTopics.Variant.TOPICS_8), 7)
              .subList(0, 600);
      ExampleSender sender =
          new ExampleSender(
              List.of(gateway.url()), FlywheelProcesses.APP_KEY, MODEL, examples, 10, 600, 0);
      Thread app = new Thread(sender, "cluster-app");
      app.start();
      await().atMost(WAIT).until(() -> sender.acknowledgedCount() >= 150);

      int leader = kafka.leaderOfMost(List.of(topics.feedback().name(), topics.examples().name()));
      long killedAt = System.nanoTime();
      kafka.kill(leader);
      await().atMost(WAIT).until(() -> sender.acknowledgedSince(killedAt) >= 50);
      double stallSeconds = sender.longestStallSeconds(killedAt);
      kafka.restart(leader);
      app.join(WAIT.toMillis());
      assertThat(sender.done()).as("the app uploaded every example").isTrue();
      kafka.awaitInSync(List.of(topics.feedback().name(), topics.examples().name()), WAIT);

      Ledger ledger = new Ledger(kafka.bootstrapServers(), topics);
      Set<String> acknowledged = sender.acknowledged();
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofSeconds(2))
          .until(() -> ledger.examples(MODEL).size() >= acknowledged.size());
      Set<String> lost = ledger.lost(acknowledged);
      Map<String, Long> examplesById = ledger.examples(MODEL);
      long duplicates = Ledger.duplicates(examplesById);
      System.out.printf(
          "Leader kill (broker %d): %d acknowledged, %d lost, %d duplicate examples, longest"
              + " time without a 202 after the kill %.1f s, %d failed attempts retried%n",
          leader,
          acknowledged.size(),
          lost.size(),
          duplicates,
          stallSeconds,
          sender.failedAttempts());
      assertThat(lost).as("acknowledged examples lost").isEmpty();
      // The target is under 30 s (bench/cluster/README.md reports it); the test only bounds it, so
      // that a slow CI machine does not turn a recovery into a failure.
      assertThat(stallSeconds).as("seconds without progress after the leader kill").isLessThan(90);
      assertThat(duplicates).as("duplicate examples").isZero();
      assertThat(examplesById).hasSize(acknowledged.size());

      String request =
          FlywheelProcesses.admin(
                  gateway.url(), "POST", "/v1/models/" + MODEL + "/retrain", Map.of())
              .path("request_id")
              .asText();
      TrainingProgress checkpoint =
          await()
              .atMost(WAIT)
              .until(
                  () ->
                      ledger.reader().read(topics.trainingProgress()).stream()
                          .filter(
                              p ->
                                  p.getRequestId().equals(request)
                                      && p.getPhase() == TrainingPhase.CHECKPOINT)
                          .findFirst()
                          .orElse(null),
                  p -> p != null);
      String killed = checkpoint.getWorker();
      trainers.get(killed).kill();

      await().atMost(WAIT).until(() -> !ledger.candidates(request).isEmpty());
      await().atMost(WAIT).until(() -> !ledger.releases(MODEL).isEmpty());
      // Time for a duplicate to show, if the dead worker's run were finished twice.
      Thread.sleep(5_000);
      List<ModelCandidate> candidates = ledger.candidates(request);
      assertThat(candidates).as("candidates for the request").hasSize(1);
      ModelCandidate candidate = candidates.get(0);
      assertThat(candidate.getWorker()).isNotEqualTo(killed);
      assertThat(candidate.getArtifactUri()).as("the bundle's place").startsWith("s3://" + BUCKET);
      int resumedAt =
          ledger.reader().read(topics.trainingProgress()).stream()
              .filter(
                  p ->
                      p.getRequestId().equals(request)
                          && p.getWorker().equals(candidate.getWorker())
                          && p.getPhase() == TrainingPhase.EPOCH)
              .mapToInt(TrainingProgress::getEpoch)
              .min()
              .orElseThrow();
      System.out.printf(
          "Worker kill (%s after epoch %d): the survivor %s resumed at epoch %d%n",
          killed, checkpoint.getEpoch(), candidate.getWorker(), resumedAt);
      assertThat(resumedAt)
          .as("the survivor resumed from the killed worker's checkpoint")
          .isGreaterThan(1);
      assertThat(ledger.releases(MODEL)).as("releases of the model").hasSize(1);
      assertThat(Ledger.duplicates(ledger.decisions(MODEL))).as("duplicate decisions").isZero();
    }
  }
}
