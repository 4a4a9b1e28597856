package dev.flywheel.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class CrashPointTest {
  private static ProducerRecord<byte[], byte[]> to(String topic) {
    return new ProducerRecord<>(topic, new byte[0], new byte[0]);
  }

  @Test
  void shouldBeArmedOnlyForATransactionWritingItsTopic() {
    CrashPoint point = new CrashPoint(Optional.of("flywheel-decisions"));

    assertThat(point.armedFor(List.of(to("flywheel-dlq"), to("flywheel-decisions")))).isTrue();
    assertThat(point.armedFor(List.of(to("flywheel-releases")))).isFalse();
    assertThat(point.armedFor(List.of())).isFalse();
  }

  @Test
  void shouldNeverBeArmedWhenUnsetOrBlank() {
    assertThat(new CrashPoint(Optional.empty()).armedFor(List.of(to("x")))).isFalse();
    assertThat(new CrashPoint(Optional.of(" ")).armedFor(List.of(to(" ")))).isFalse();
  }
}
