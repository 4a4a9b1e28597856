package dev.flywheel.platform.cluster;

import dev.flywheel.events.EvaluationCompleted;
import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.schemas.Topics;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The fault runs' figures, counted from the topics with a {@code read_committed} consumer: what an
 * acknowledged upload lost, and every duplicate the loop could produce (examples, candidates per
 * request, decisions per candidate, releases per version).
 */
public final class Ledger {
  private final CommittedReader reader;
  private final Topics topics;

  public Ledger(String bootstrapServers, Topics topics) {
    this.reader = new CommittedReader(bootstrapServers);
    this.topics = topics;
  }

  public CommittedReader reader() {
    return reader;
  }

  /** The acknowledged idempotency ids that no committed feedback record carries. */
  public Set<String> lost(Set<String> acknowledged) {
    Set<String> written =
        reader.read(topics.feedback()).stream()
            .map(FeedbackReceived::getIdempotencyId)
            .collect(Collectors.toSet());
    Set<String> lost = new HashSet<>(acknowledged);
    lost.removeAll(written);
    return lost;
  }

  /** How many times each example id of {@code model} was written to the examples topic. */
  public Map<String, Long> examples(String model) {
    return count(
        reader.read(topics.examples()).stream().filter(e -> e.getModel().equals(model)).toList(),
        LabeledExample::getExampleId);
  }

  /** The candidates trained for {@code requestId}. */
  public List<ModelCandidate> candidates(String requestId) {
    return reader.read(topics.candidates()).stream()
        .filter(c -> c.getRequestId().equals(requestId))
        .toList();
  }

  /** How many decisions each version of {@code model} got. */
  public Map<Integer, Long> decisions(String model) {
    return count(
        reader.read(topics.evaluations()).stream()
            .filter(e -> e.getCandidate().getModel().equals(model))
            .toList(),
        e -> e.getCandidate().getVersion());
  }

  /** The evaluation ids committed for {@code model}. */
  public Set<String> evaluationIds(String model) {
    return reader.read(topics.evaluations()).stream()
        .filter(e -> e.getCandidate().getModel().equals(model))
        .map(EvaluationCompleted::getEvaluationId)
        .collect(Collectors.toSet());
  }

  /** The releases of {@code model}. */
  public List<ModelReleased> releases(String model) {
    return reader.read(topics.releases()).stream()
        .filter(r -> r.getModel().getModel().equals(model))
        .toList();
  }

  /** Duplicates among counted things: the sum of (count - 1). */
  public static long duplicates(Map<?, Long> counts) {
    return counts.values().stream().mapToLong(n -> n - 1).sum();
  }

  private static <T, K> Map<K, Long> count(List<T> values, Function<T, K> key) {
    return values.stream().collect(Collectors.groupingBy(key, Collectors.counting()));
  }
}
