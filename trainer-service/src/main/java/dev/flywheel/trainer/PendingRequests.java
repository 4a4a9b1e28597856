package dev.flywheel.trainer;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * The requests a worker has fetched but not yet committed, per partition in offset order, and the
 * rules that turn them into runs: a run serves the oldest request of a partition together with
 * every other pending request of the same model there (coalescing); offsets are committed only up
 * to the first request that no run has served yet, so a crash redelivers everything unserved. Used
 * by the polling thread only; pure, so the rules are unit-tested.
 */
final class PendingRequests {
  private final Map<TopicPartition, Deque<Request>> queues = new LinkedHashMap<>();
  private final Map<TopicPartition, Instant> notBefore = new HashMap<>();
  private final Set<Request> served = new HashSet<>();

  void add(Request request) {
    queues.computeIfAbsent(request.partition(), tp -> new ArrayDeque<>()).addLast(request);
  }

  /** Pending requests, served-but-uncommitted ones excluded. */
  int size() {
    int n = 0;
    for (Deque<Request> queue : queues.values()) {
      n += queue.size();
    }
    return n - served.size();
  }

  /**
   * The next run: the partition whose head request is the oldest (by record timestamp) among those
   * not held back, with its coalesced requests. Empty when nothing is pending.
   */
  Optional<Claim> next(Instant now) {
    Request oldest = null;
    for (Map.Entry<TopicPartition, Deque<Request>> entry : queues.entrySet()) {
      Instant hold = notBefore.get(entry.getKey());
      Request head = entry.getValue().peekFirst();
      if (head == null || (hold != null && now.isBefore(hold))) {
        continue;
      }
      if (oldest == null || head.record().timestamp() < oldest.record().timestamp()) {
        oldest = head;
      }
    }
    if (oldest == null) {
      return Optional.empty();
    }
    if (oldest.isPoison()) {
      return Optional.of(new Claim(oldest, List.of()));
    }
    List<Request> coalesced = new ArrayList<>();
    for (Request r : queues.get(oldest.partition())) {
      if (r != oldest && !served.contains(r) && oldest.model().equals(r.model())) {
        coalesced.add(r);
      }
    }
    return Optional.of(new Claim(oldest, coalesced));
  }

  /**
   * Marks the claim's requests served and returns the offset to commit for its partition: the
   * offset of the first request still unserved, or one past the last served request when none is
   * left. Empty when nothing new can be committed.
   */
  OptionalLong complete(Claim claim) {
    Deque<Request> queue = queues.get(claim.partition());
    if (queue == null) {
      return OptionalLong.empty();
    }
    served.addAll(claim.all());
    long commit = -1;
    while (!queue.isEmpty() && served.contains(queue.peekFirst())) {
      Request done = queue.removeFirst();
      served.remove(done);
      commit = done.offset() + 1;
    }
    if (commit < 0) {
      return OptionalLong.empty();
    }
    Request head = queue.peekFirst();
    return OptionalLong.of(head == null ? commit : head.offset());
  }

  /**
   * Forgets a partition's pending requests (they will be fetched again from {@code offset}, where
   * the caller seeks the consumer) and holds the partition back until {@code until}.
   */
  void rewind(TopicPartition partition, Instant until) {
    drop(List.of(partition));
    notBefore.put(partition, until);
  }

  /** Forgets the pending requests of partitions this worker no longer owns. */
  void drop(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      Deque<Request> queue = queues.remove(tp);
      if (queue != null) {
        queue.forEach(served::remove);
      }
      notBefore.remove(tp);
    }
  }

  /** Forgets requests of other partitions than these (e.g. after a lost assignment). */
  void retainOnly(Collection<TopicPartition> partitions) {
    List<TopicPartition> gone = new ArrayList<>();
    for (Iterator<TopicPartition> it = queues.keySet().iterator(); it.hasNext(); ) {
      TopicPartition tp = it.next();
      if (!partitions.contains(tp)) {
        gone.add(tp);
      }
    }
    drop(gone);
  }
}
