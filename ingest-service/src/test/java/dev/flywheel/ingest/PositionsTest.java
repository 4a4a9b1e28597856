package dev.flywheel.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.ModelReleased;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PositionsTest {
  @Test
  void shouldRoundTripAnEventId() {
    Positions positions = Positions.of(Map.of(0, 18L, 2, 4L));
    assertThat(positions.render()).isEqualTo("0-18.2-4");
    assertThat(Positions.parse("0-18.2-4").orElseThrow().render()).isEqualTo("0-18.2-4");
  }

  @Test
  void shouldRejectWhatIsNotAPosition() {
    assertThat(Positions.parse("abc")).isEmpty();
    assertThat(Positions.parse("0-")).isEmpty();
    assertThat(Positions.parse(null)).isEmpty();
  }

  @Test
  void shouldDeliverEachReleaseOnceAndResumeAfterTheLastDelivered() {
    Positions positions = Positions.of(Map.of(0, 0L));
    ReleaseEntry first = entry(0);
    ReleaseEntry second = entry(1);
    assertThat(positions.pending(first)).isTrue();
    positions.advance(first);
    assertThat(positions.pending(first)).isFalse();
    Positions resumed = Positions.parse(positions.render()).orElseThrow();
    assertThat(resumed.pending(first)).isFalse();
    assertThat(resumed.pending(second)).isTrue();
  }

  private static ReleaseEntry entry(long offset) {
    return new ReleaseEntry(
        0,
        offset,
        ModelReleased.newBuilder()
            .setReleaseId("r")
            .setModel(dev.flywheel.schemas.Events.ref("m", 1))
            .setKind(dev.flywheel.events.ReleaseKind.PROMOTED)
            .setArtifactUri("file:/x")
            .setSha256("00")
            .setTimestamp(java.time.Instant.now())
            .build());
  }
}
