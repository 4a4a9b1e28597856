package dev.flywheel.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.RetrainReason;
import dev.flywheel.events.RetrainRequested;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PendingRequestsTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final TopicPartition P0 = new TopicPartition("requests", 0);
  private static final TopicPartition P1 = new TopicPartition("requests", 1);

  static Request request(int partition, long offset, String model, String id, boolean fromScratch) {
    ConsumerRecord<byte[], byte[]> record =
        new ConsumerRecord<>("requests", partition, offset, new byte[0], new byte[0]);
    RetrainRequested value =
        RetrainRequested.newBuilder()
            .setRequestId(id)
            .setModel(model)
            .setReason(RetrainReason.MANUAL)
            .setFromScratch(fromScratch)
            .setTimestamp(NOW)
            .build();
    return Request.decoded(record, value);
  }

  static Request request(int partition, long offset, String model, String id) {
    return request(partition, offset, model, id, false);
  }

  @Test
  void shouldCoalesceEveryPendingRequestOfTheHeadsModel() {
    PendingRequests pending = new PendingRequests();
    pending.add(request(0, 5, "m", "a"));
    pending.add(request(0, 6, "m", "b"));
    pending.add(request(0, 7, "m", "c", true));

    Claim claim = pending.next(NOW).orElseThrow();

    assertThat(claim.head().id()).isEqualTo("a");
    assertThat(claim.coalescedIds()).containsExactly("b", "c");
    assertThat(claim.fromScratch()).isTrue();
    assertThat(pending.complete(claim)).hasValue(8);
    assertThat(pending.next(NOW)).isEmpty();
    assertThat(pending.size()).isZero();
  }

  @Test
  void shouldCommitOnlyUpToTheFirstUnservedRequestWhenModelsInterleave() {
    PendingRequests pending = new PendingRequests();
    pending.add(request(0, 5, "m", "m1"));
    pending.add(request(0, 6, "n", "n1"));
    pending.add(request(0, 7, "m", "m2"));

    Claim first = pending.next(NOW).orElseThrow();
    assertThat(first.coalescedIds()).containsExactly("m2");
    assertThat(pending.complete(first)).hasValue(6);
    assertThat(pending.size()).isEqualTo(1);

    Claim second = pending.next(NOW).orElseThrow();
    assertThat(second.head().id()).isEqualTo("n1");
    assertThat(second.coalesced()).isEmpty();
    assertThat(pending.complete(second)).hasValue(8);
    assertThat(pending.next(NOW)).isEmpty();
  }

  @Test
  void shouldServeTheOldestHeadAcrossPartitions() {
    PendingRequests pending = new PendingRequests();
    Request later =
        new Request(
            new ConsumerRecord<>(
                "requests",
                0,
                0L,
                200L,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME,
                0,
                0,
                new byte[0],
                new byte[0],
                new org.apache.kafka.common.header.internals.RecordHeaders(),
                java.util.Optional.empty()),
            request(0, 0, "m", "late").value(),
            null);
    Request earlier =
        new Request(
            new ConsumerRecord<>(
                "requests",
                1,
                0L,
                100L,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME,
                0,
                0,
                new byte[0],
                new byte[0],
                new org.apache.kafka.common.header.internals.RecordHeaders(),
                java.util.Optional.empty()),
            request(1, 0, "n", "early").value(),
            null);
    pending.add(later);
    pending.add(earlier);

    assertThat(pending.next(NOW).orElseThrow().head().id()).isEqualTo("early");
  }

  @Test
  void shouldHoldARewoundPartitionBackUntilItsTime() {
    PendingRequests pending = new PendingRequests();
    pending.add(request(0, 5, "m", "a"));
    pending.add(request(1, 9, "n", "b"));

    pending.rewind(P0, NOW.plusSeconds(5));

    assertThat(pending.next(NOW).orElseThrow().head().id()).isEqualTo("b");
    pending.add(request(0, 5, "m", "a"));
    pending.drop(List.of(P1));
    assertThat(pending.next(NOW)).isEmpty();
    assertThat(pending.next(NOW.plusSeconds(5)).orElseThrow().head().id()).isEqualTo("a");
  }

  @Test
  void shouldForgetDroppedPartitions() {
    PendingRequests pending = new PendingRequests();
    pending.add(request(0, 5, "m", "a"));
    pending.add(request(1, 2, "n", "b"));

    pending.drop(List.of(P0));

    assertThat(pending.size()).isEqualTo(1);
    assertThat(pending.next(NOW).orElseThrow().head().id()).isEqualTo("b");
  }

  @Test
  void shouldHandAPoisonRecordOutAlone() {
    PendingRequests pending = new PendingRequests();
    Request poison =
        Request.poison(
            new ConsumerRecord<>("requests", 0, 3L, new byte[0], new byte[] {1}),
            new IllegalArgumentException("bad"));
    pending.add(poison);
    pending.add(request(0, 4, "m", "a"));

    Claim claim = pending.next(NOW).orElseThrow();

    assertThat(claim.isPoison()).isTrue();
    assertThat(claim.coalesced()).isEmpty();
    assertThat(pending.complete(claim)).hasValue(4);
  }
}
