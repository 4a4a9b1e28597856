package dev.flywheel.platform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.DatasetSnapshot;
import dev.flywheel.events.Decision;
import dev.flywheel.events.EvaluationCompleted;
import dev.flywheel.events.FailureReason;
import dev.flywheel.events.GateCheck;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelMetrics;
import dev.flywheel.events.ModelRef;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ReleaseKind;
import dev.flywheel.events.RetrainReason;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.events.TrainingFailed;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoConsoleTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final DemoConsole console =
      new DemoConsole(new PrintStream(bytes, true, StandardCharsets.UTF_8), "m", false);

  @Test
  void shouldSumUpEachVersionWithItsDecisionAndTimeFromTriggerToRelease() {
    Instant t0 = Instant.parse("2026-11-29T10:00:00Z");
    console.retrainRequested(request("r1", t0));
    console.candidate(candidate(1, "r1", 385));
    console.evaluated(evaluation(1, null, 0.504, null, null, Decision.RELEASE, t0.plusSeconds(5)));
    console.released(release(1, t0.plusSeconds(5)));
    console.retrainRequested(request("r2", t0.plusSeconds(30)));
    console.candidate(candidate(2, "r2", 622));
    console.evaluated(evaluation(2, 1, 0.51, 0.504, 0.62, Decision.REJECT, t0.plusSeconds(40)));
    console.reference(1, 0.55);
    console.reference(2, 0.6);

    console.summary();

    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out)
        .contains("evaluation v2 on 100 holdout examples: accuracy 0.510 vs champion v1 0.504")
        .contains("-> REJECT (failed: significance)")
        .contains("RELEASE v1 (PROMOTED)");
    assertThat(out.lines().filter(line -> line.matches("v\\d.*")).toList())
        .containsExactly(
            "v1              385        0.504      0.550             -        -  released     5.0s",
            "v2              622        0.510      0.600         0.504   0.6200  rejected     -");
    assertThat(out).contains("The last release, v1, is 4.6 points below the reference on its 385");
    assertThat(console.releases()).isEqualTo(1);
  }

  @Test
  void shouldBeIdleOnlyOnceEveryRequestIsServedAndEveryCandidateDecided() {
    Instant t0 = Instant.parse("2026-11-29T10:00:00Z");
    assertThat(console.idle()).isTrue();

    console.retrainRequested(request("r1", t0));
    assertThat(console.idle()).isFalse();
    console.candidate(candidate(1, "r1", 385));
    assertThat(console.idle()).isFalse();
    console.evaluated(evaluation(1, null, 0.504, null, null, Decision.RELEASE, t0.plusSeconds(5)));
    assertThat(console.idle()).isTrue();

    console.retrainRequested(request("r2", t0.plusSeconds(30)));
    console.trainingFailed(
        TrainingFailed.newBuilder()
            .setRequestId("r2")
            .setModel("m")
            .setVersion(2)
            .setReason(FailureReason.TOO_FEW_EXAMPLES)
            .setMessage("too few")
            .setAttempts(1)
            .setDeadLettered(false)
            .setWorker("w")
            .setTimestamp(t0.plusSeconds(31))
            .build());
    assertThat(console.idle()).isTrue();
    assertThat(console.rows())
        .extracting(row -> row.decision)
        .containsExactly("released", "failed");
  }

  @Test
  void shouldIgnoreEventsOfOtherModels() {
    console.released(
        ModelReleased.newBuilder(release(1, Instant.now()))
            .setModel(new ModelRef("other", 1))
            .build());

    assertThat(console.releases()).isZero();
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  private static RetrainRequested request(String id, Instant at) {
    return RetrainRequested.newBuilder()
        .setRequestId(id)
        .setModel("m")
        .setReason(RetrainReason.THRESHOLD)
        .setNewExamples(300)
        .setTotalExamples(300)
        .setTimestamp(at)
        .build();
  }

  private static ModelCandidate candidate(int version, String requestId, long trained) {
    return ModelCandidate.newBuilder()
        .setModel(new ModelRef("m", version))
        .setRequestId(requestId)
        .setArtifactUri("file:/x")
        .setSha256("00")
        .setSizeBytes(1)
        .setArchitecture("bag")
        .setLabels(List.of("a", "b"))
        .setSnapshot(
            DatasetSnapshot.newBuilder()
                .setTopic("t")
                .setRanges(List.of())
                .setTrainExamples(trained)
                .setTakenAt(Instant.EPOCH)
                .build())
        .setWorker("w")
        .setDurationMillis(3500)
        .setTimestamp(Instant.EPOCH)
        .build();
  }

  private static EvaluationCompleted evaluation(
      int version,
      Integer champion,
      double accuracy,
      Double championAccuracy,
      Double pValue,
      Decision decision,
      Instant at) {
    return EvaluationCompleted.newBuilder()
        .setEvaluationId("e" + version)
        .setCandidate(new ModelRef("m", version))
        .setChampion(champion == null ? null : new ModelRef("m", champion))
        .setCandidateMetrics(metrics(accuracy))
        .setChampionMetrics(championAccuracy == null ? null : metrics(championAccuracy))
        .setChecks(
            List.of(
                GateCheck.newBuilder().setName("min_accuracy").setPassed(true).build(),
                GateCheck.newBuilder()
                    .setName("significance")
                    .setPassed(decision == Decision.RELEASE)
                    .build()))
        .setPValue(pValue)
        .setDecision(decision)
        .setTimestamp(at)
        .build();
  }

  private static ModelMetrics metrics(double accuracy) {
    return ModelMetrics.newBuilder()
        .setExamples(100)
        .setAccuracy(accuracy)
        .setMacroF1(accuracy)
        .setPerLabel(Map.of())
        .build();
  }

  private static ModelReleased release(int version, Instant at) {
    return ModelReleased.newBuilder()
        .setReleaseId("rel" + version)
        .setModel(new ModelRef("m", version))
        .setKind(ReleaseKind.PROMOTED)
        .setArtifactUri("file:/x")
        .setSha256("00")
        .setTimestamp(at)
        .build();
  }
}
