package dev.flywheel.trainer;

import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * The requests one run serves: the oldest pending request of a partition ({@code head}) and every
 * later pending request of the same model in that partition, which the run coalesces. The head
 * names the run (request id, attempts, checkpoint); the others are recorded as coalesced.
 */
record Claim(Request head, List<Request> coalesced) {

  Claim {
    coalesced = List.copyOf(coalesced);
  }

  TopicPartition partition() {
    return head.partition();
  }

  String model() {
    return head.model();
  }

  boolean isPoison() {
    return head.isPoison();
  }

  /** Whether any of the requests asks to train from scratch. */
  boolean fromScratch() {
    return !isPoison()
        && (head.value().getFromScratch()
            || coalesced.stream().anyMatch(r -> r.value().getFromScratch()));
  }

  /** Whether any of the requests asks to train even on an unchanged snapshot. */
  boolean forced() {
    return !isPoison()
        && (head.value().getForce() || coalesced.stream().anyMatch(r -> r.value().getForce()));
  }

  List<String> coalescedIds() {
    return coalesced.stream().map(Request::id).toList();
  }

  /** The head and the coalesced requests. */
  List<Request> all() {
    return java.util.stream.Stream.concat(java.util.stream.Stream.of(head), coalesced.stream())
        .toList();
  }
}
