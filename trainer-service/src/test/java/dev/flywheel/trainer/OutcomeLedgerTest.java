package dev.flywheel.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.DatasetSnapshot;
import dev.flywheel.events.FailureReason;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelRef;
import dev.flywheel.events.TrainingFailed;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutcomeLedgerTest {

  static ModelCandidate candidate(
      String model, int version, String requestId, List<String> coalesced) {
    return ModelCandidate.newBuilder()
        .setModel(new ModelRef(model, version))
        .setRequestId(requestId)
        .setCoalescedRequestIds(coalesced)
        .setArtifactUri("file:/x")
        .setSha256("00")
        .setSizeBytes(1)
        .setArchitecture("bag")
        .setLabels(List.of("a", "b"))
        .setSnapshot(
            DatasetSnapshot.newBuilder()
                .setTopic("t")
                .setRanges(List.of())
                .setTakenAt(Instant.EPOCH)
                .build())
        .setWorker("w")
        .setDurationMillis(1)
        .setTimestamp(Instant.EPOCH)
        .build();
  }

  static TrainingFailed failure(
      String model,
      Integer version,
      String requestId,
      FailureReason reason,
      int attempts,
      boolean dlq) {
    return TrainingFailed.newBuilder()
        .setRequestId(requestId)
        .setModel(model)
        .setVersion(version)
        .setReason(reason)
        .setMessage("x")
        .setAttempts(attempts)
        .setDeadLettered(dlq)
        .setWorker("w")
        .setTimestamp(Instant.EPOCH)
        .build();
  }

  @Test
  void shouldNumberTheNextVersionAboveEveryCandidateAndFailure() {
    OutcomeLedger ledger = new OutcomeLedger(null, null);
    assertThat(ledger.nextVersion("m")).isEqualTo(1);

    ledger.apply(candidate("m", 2, "r1", List.of()));
    ledger.apply(failure("m", 4, "r2", FailureReason.NAN_LOSS, 1, false));
    ledger.apply(failure("m", null, "r3", FailureReason.NO_SPEC, 1, false));
    ledger.apply(candidate("other", 9, "r4", List.of()));

    assertThat(ledger.nextVersion("m")).isEqualTo(5);
    assertThat(ledger.nextVersion("other")).isEqualTo(10);
  }

  @Test
  void shouldKnowServedRequestsIncludingCoalescedAndFinalFailures() {
    OutcomeLedger ledger = new OutcomeLedger(null, null);
    ledger.apply(candidate("m", 1, "r1", List.of("r2")));
    ledger.apply(failure("m", null, "r3", FailureReason.INVALID_SPEC, 1, false));
    ledger.apply(failure("m", 2, "r4", FailureReason.INTERNAL, 1, false));
    ledger.apply(failure("m", 3, "r5", FailureReason.OUT_OF_MEMORY, 3, true));

    assertThat(ledger.isServed("r1")).isTrue();
    assertThat(ledger.isServed("r2")).isTrue();
    assertThat(ledger.isServed("r3")).isTrue();
    assertThat(ledger.isServed("r4")).as("a retryable failure leaves the request open").isFalse();
    assertThat(ledger.isServed("r5")).isTrue();
  }

  @Test
  void shouldCountFailedAttemptsPerRequest() {
    OutcomeLedger ledger = new OutcomeLedger(null, null);
    ledger.apply(failure("m", 1, "r", FailureReason.INTERNAL, 1, false));
    ledger.apply(failure("m", 2, "r", FailureReason.INTERNAL, 2, false));

    assertThat(ledger.failedAttempts("r")).isEqualTo(2);
    assertThat(ledger.failedAttempts("other")).isZero();
  }

  @Test
  void shouldRememberTheCandidateOfTheHighestVersionAsTheLastTrained() {
    OutcomeLedger ledger = new OutcomeLedger(null, null);
    ledger.apply(candidate("m", 3, "r3", List.of()));
    ledger.apply(candidate("m", 2, "r2", List.of())); // read late: not the last trained
    ledger.apply(failure("m", 4, "r4", FailureReason.NAN_LOSS, 1, false));
    ledger.apply(failure("m", null, "r5", FailureReason.UNCHANGED_SNAPSHOT, 1, false));

    assertThat(ledger.lastCandidate("m"))
        .hasValueSatisfying(c -> assertThat(c.getRequestId()).isEqualTo("r3"));
    assertThat(ledger.lastCandidate("other")).isEmpty();
    assertThat(ledger.isServed("r5")).as("an unchanged snapshot is a final answer").isTrue();
  }
}
