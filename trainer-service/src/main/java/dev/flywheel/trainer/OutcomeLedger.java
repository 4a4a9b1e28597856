package dev.flywheel.trainer;

import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.TrainingFailed;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the candidates and training-failures topics say about past runs: the highest version used
 * per model and its candidate (the last snapshot trained), which requests are already served, and
 * how often each request has failed. Read (committed records only, up to the high watermark) at the
 * start of every run.
 *
 * <p>Why the next version ({@link #nextVersion}) is unique and increasing: all requests of a model
 * share a key, hence a partition, hence one owner in the consumer group at a time, so runs of one
 * model never overlap on live workers; a run publishes its outcome and commits its request offset
 * in one transaction that carries the consumer's group generation, so a worker that lost the
 * partition (a zombie) has its transaction refused and its outcome is never visible to {@code
 * read_committed} readers; and every run starts by reading both topics up to the high watermark,
 * waiting for open transactions to be decided, so it sees every version committed before it
 * started. Hence the next run of a model always sees the previous one's version and takes a larger
 * one. Failures that consumed a version count too, so a failed version number is never reused
 * either.
 */
final class OutcomeLedger implements AutoCloseable {
  private final TopicFollower<ModelCandidate> candidates;
  private final TopicFollower<TrainingFailed> failures;
  private final Map<String, Integer> maxVersion = new HashMap<>();
  private final Set<String> served = new HashSet<>();
  private final Map<String, Integer> attempts = new HashMap<>();
  private final Map<String, ModelCandidate> lastCandidate = new HashMap<>();

  OutcomeLedger(TopicFollower<ModelCandidate> candidates, TopicFollower<TrainingFailed> failures) {
    this.candidates = candidates;
    this.failures = failures;
  }

  /** Reads everything committed on both topics up to now. */
  synchronized OutcomeLedger refresh() {
    candidates.refresh(
        record -> {
          if (record.value() != null) {
            apply(record.value());
          }
        });
    failures.refresh(
        record -> {
          if (record.value() != null) {
            apply(record.value());
          }
        });
    return this;
  }

  synchronized void apply(ModelCandidate candidate) {
    maxVersion.merge(candidate.getModel().getModel(), candidate.getModel().getVersion(), Math::max);
    lastCandidate.merge(
        candidate.getModel().getModel(),
        candidate,
        (a, b) -> a.getModel().getVersion() >= b.getModel().getVersion() ? a : b);
    served.add(candidate.getRequestId());
    served.addAll(candidate.getCoalescedRequestIds());
  }

  synchronized void apply(TrainingFailed failure) {
    if (failure.getVersion() != null) {
      maxVersion.merge(failure.getModel(), failure.getVersion(), Math::max);
    }
    attempts.merge(failure.getRequestId(), failure.getAttempts(), Math::max);
    if (failure.getDeadLettered() || !FailureKinds.isRetryable(failure.getReason())) {
      served.add(failure.getRequestId());
    }
  }

  /** The version the next run of {@code model} takes: one above every version seen. */
  synchronized int nextVersion(String model) {
    return maxVersion.getOrDefault(model, 0) + 1;
  }

  /**
   * The model's candidate of the highest version: the last snapshot that was trained, which a new
   * run compares its own with.
   */
  synchronized Optional<ModelCandidate> lastCandidate(String model) {
    return Optional.ofNullable(lastCandidate.get(model));
  }

  /** Whether a committed candidate or final failure already covers this request. */
  synchronized boolean isServed(String requestId) {
    return served.contains(requestId);
  }

  /** How many failed attempts of this request have been published. */
  synchronized int failedAttempts(String requestId) {
    return attempts.getOrDefault(requestId, 0);
  }

  @Override
  public void close() {
    candidates.close();
    failures.close();
  }
}
