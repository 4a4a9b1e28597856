package dev.flywheel.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.events.FailureReason;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelRef;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ReleaseKind;
import dev.flywheel.events.TrainingFailed;
import dev.flywheel.schemas.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(EmbeddedInfraExtension.class)
class TrainerFailuresIT {
  private static final Duration WAIT = Duration.ofSeconds(90);

  private final EmbeddedInfra infra;
  @TempDir Path dir;
  private TrainerHarness harness;

  TrainerFailuresIT(EmbeddedInfra infra) {
    this.infra = infra;
  }

  @AfterEach
  void tearDown() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  private List<TrainingFailed> failuresOf(String requestId) {
    return harness.read(harness.topics.trainingFailures()).stream()
        .filter(f -> f.getRequestId().equals(requestId))
        .toList();
  }

  private TrainingFailed awaitFailure(String requestId) {
    await().atMost(WAIT).until(() -> !failuresOf(requestId).isEmpty());
    return failuresOf(requestId).get(0);
  }

  @Test
  @Timeout(240)
  void shouldPublishEachFailureWithItsReasonAndKeepServing() throws Exception {
    harness = new TrainerHarness(infra, dir);
    harness.spec("badspec", TrainerHarness.LABELS, "bag", Map.of("noSuchKey", "1"));
    harness.spec("few", TrainerHarness.LABELS, "bag", TrainerHarness.TINY);
    harness.examples("few", TrainerHarness.wordnet(3), 1f);
    List<String> fiveLabels = new java.util.ArrayList<>(TrainerHarness.LABELS);
    fiveLabels.add("location");
    harness.spec("missing", fiveLabels, "bag", TrainerHarness.TINY);
    harness.examples("missing", TrainerHarness.wordnet(30), 1f);
    // Weights near Float.MAX_VALUE overflowed a float sum and failed the run with NAN_LOSS; only
    // their ratios matter, so these train (a diverging loss cannot be provoked with valid input in
    // a test's time: FailureKindsTest maps NON_FINITE_LOSS to NAN_LOSS).
    harness.spec("heavy", TrainerHarness.LABELS, "bag", TrainerHarness.TINY);
    harness.examples("heavy", TrainerHarness.wordnet(30), 3.0e38f);
    harness.spec("good", TrainerHarness.LABELS, "bag", TrainerHarness.TINY);
    harness.examples("good", TrainerHarness.wordnet(30), 1f);
    harness.start("a", Map.of());

    TrainingFailed noSpec = awaitFailure(harness.request("nospec", false));
    TrainingFailed invalid = awaitFailure(harness.request("badspec", false));
    TrainingFailed few = awaitFailure(harness.request("few", false));
    TrainingFailed missing = awaitFailure(harness.request("missing", false));
    String heavy = harness.request("heavy", false);
    String good = harness.request("good", false);

    assertThat(noSpec.getReason()).isEqualTo(FailureReason.NO_SPEC);
    assertThat(invalid.getReason()).isEqualTo(FailureReason.INVALID_SPEC);
    assertThat(invalid.getMessage()).contains("noSuchKey");
    assertThat(few.getReason()).isEqualTo(FailureReason.TOO_FEW_EXAMPLES);
    assertThat(missing.getReason()).isEqualTo(FailureReason.MISSING_LABEL);
    assertThat(missing.getMessage()).contains("location");
    assertThat(List.of(noSpec, invalid, few, missing))
        .allSatisfy(
            f -> {
              assertThat(f.getAttempts()).isEqualTo(1);
              assertThat(f.getDeadLettered()).isFalse();
              assertThat(f.getWorker()).isEqualTo("a-0");
            });
    await().atMost(WAIT).until(() -> harness.read(harness.topics.candidates()).size() == 2);
    List<ModelCandidate> candidates = harness.read(harness.topics.candidates());
    assertThat(candidates)
        .extracting(ModelCandidate::getRequestId)
        .containsExactlyInAnyOrder(heavy, good);
    assertThat(candidates)
        .allSatisfy(
            c -> assertThat(c.getTrainingMetrics()).as("a finite loss").containsKey("loss"));
    assertThat(failuresOf(heavy)).isEmpty();
    assertThat(harness.readRaw(harness.topics.deadLetters().name())).isEmpty();
  }

  @Test
  @Timeout(180)
  void shouldDeadLetterARequestAfterItsLastRetryableFailureAndAnUndecodableOne() throws Exception {
    harness = new TrainerHarness(infra, dir);
    harness.spec("broken", TrainerHarness.LABELS, "bag", TrainerHarness.TINY);
    harness.examples("broken", TrainerHarness.wordnet(30), 1f);
    harness.spec("good", TrainerHarness.LABELS, "bag", TrainerHarness.TINY);
    harness.examples("good", TrainerHarness.wordnet(30), 1f);
    // A champion whose bundle cannot be fetched: warm start is impossible, the run fails INTERNAL.
    harness.send(
        harness.topics.releases(),
        "broken",
        ModelReleased.newBuilder()
            .setReleaseId(UUID.randomUUID().toString())
            .setModel(new ModelRef("broken", 7))
            .setKind(ReleaseKind.MANUAL)
            .setArtifactUri(dir.resolve("nowhere.zip").toUri().toString())
            .setSha256("00".repeat(32))
            .setTimestamp(Instant.now())
            .build());
    harness.start("a", Map.of("FLYWHEEL_TRAINER_MAX_ATTEMPTS", "3"));
    byte[] garbage = "not avro".getBytes(StandardCharsets.UTF_8);
    harness.sendRaw(
        harness.topics.retrainRequests().name(), "x".getBytes(StandardCharsets.UTF_8), garbage);

    String broken = harness.request("broken", false);
    await().atMost(WAIT).until(() -> failuresOf(broken).size() == 3);
    String good = harness.request("good", false);

    List<TrainingFailed> attempts = failuresOf(broken);
    assertThat(attempts).extracting(TrainingFailed::getAttempts).containsExactly(1, 2, 3);
    assertThat(attempts).allMatch(f -> f.getReason() == FailureReason.INTERNAL);
    assertThat(attempts)
        .extracting(TrainingFailed::getDeadLettered)
        .containsExactly(false, false, true);
    List<ConsumerRecord<byte[], byte[]>> dead =
        harness.readRaw(harness.topics.deadLetters().name());
    assertThat(dead).hasSize(2);
    assertThat(dead.get(0).value()).isEqualTo(garbage);
    assertThat(DeadLetters.read(dead.get(1).headers()).orElseThrow().sourceTopic())
        .isEqualTo(harness.topics.retrainRequests().name());
    assertThat(
            harness
                .topics
                .retrainRequests()
                .valueSerde()
                .deserializer()
                .deserialize(harness.topics.retrainRequests().name(), dead.get(1).value())
                .getRequestId())
        .isEqualTo(broken);
    await().atMost(WAIT).until(() -> harness.read(harness.topics.candidates()).size() == 1);
    assertThat(harness.read(harness.topics.candidates()).get(0).getRequestId()).isEqualTo(good);
    assertThat(failuresOf(broken)).hasSize(3);
  }

  @Test
  @Timeout(180)
  void shouldReportOutOfMemoryWhenTheModelCannotBeAllocated() throws Exception {
    // 10M bigram buckets x 4096 dims = 164 GB: refused at once by the kernel's overcommit heuristic
    // (mode 0) or by a strict mode (2); with overcommit "always" (1) it could really be touched.
    Path overcommit = Path.of("/proc/sys/vm/overcommit_memory");
    assumeThat(Files.exists(overcommit) && !Files.readString(overcommit).trim().equals("1"))
        .as("the kernel refuses impossible allocations")
        .isTrue();
    harness = new TrainerHarness(infra, dir);
    Map<String, String> huge = new HashMap<>(TrainerHarness.TINY);
    huge.put("bigrams", "true");
    huge.put("bigramBuckets", "10000000");
    huge.put("embeddingDim", "4096");
    harness.spec("huge", TrainerHarness.LABELS, "bag", huge);
    harness.examples("huge", TrainerHarness.wordnet(30), 1f);
    harness.start("a", Map.of("FLYWHEEL_TRAINER_MAX_ATTEMPTS", "2"));

    String request = harness.request("huge", false);

    await().atMost(WAIT).until(() -> failuresOf(request).size() == 2);
    assertThat(failuresOf(request))
        .allMatch(f -> f.getReason() == FailureReason.OUT_OF_MEMORY)
        .extracting(TrainingFailed::getDeadLettered)
        .containsExactly(false, true);
  }
}
