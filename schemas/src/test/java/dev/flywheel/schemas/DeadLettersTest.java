package dev.flywheel.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class DeadLettersTest {
  private static final Instant NOW = Instant.parse("2026-11-29T01:02:03.456Z");

  @Test
  void shouldKeepTheOriginalBytesAndNameErrorSourceAndService() {
    byte[] key = "p-1".getBytes(StandardCharsets.UTF_8);
    byte[] value = {9, 8, 7};
    ConsumerRecord<byte[], byte[]> source =
        new ConsumerRecord<>("flywheel-feedback", 2, 41L, key, value);
    source.headers().add("traceparent", "00-abc".getBytes(StandardCharsets.UTF_8));
    Exception error =
        new SerializationException("bad record", new IllegalStateException("root cause"));

    ProducerRecord<byte[], byte[]> parked =
        DeadLetters.record("flywheel-dead-letters", source, "feedback", error, NOW);

    assertThat(parked.topic()).isEqualTo("flywheel-dead-letters");
    assertThat(parked.key()).isEqualTo(key);
    assertThat(parked.value()).isEqualTo(value);
    assertThat(parked.headers().lastHeader("traceparent").value())
        .isEqualTo("00-abc".getBytes(StandardCharsets.UTF_8));
    assertThat(header(parked, DeadLetters.ERROR_CLASS))
        .isEqualTo("org.apache.kafka.common.errors.SerializationException");
    assertThat(header(parked, DeadLetters.ERROR_MESSAGE))
        .isEqualTo("bad record; caused by java.lang.IllegalStateException: root cause");
    assertThat(header(parked, DeadLetters.SOURCE_TOPIC)).isEqualTo("flywheel-feedback");
    assertThat(header(parked, DeadLetters.SOURCE_PARTITION)).isEqualTo("2");
    assertThat(header(parked, DeadLetters.SOURCE_OFFSET)).isEqualTo("41");
    assertThat(header(parked, DeadLetters.SERVICE)).isEqualTo("feedback");
    assertThat(header(parked, DeadLetters.TIMESTAMP)).isEqualTo("2026-11-29T01:02:03.456Z");

    assertThat(DeadLetters.read(parked.headers()))
        .contains(
            new DeadLetters.DeadLetter(
                "org.apache.kafka.common.errors.SerializationException",
                "bad record; caused by java.lang.IllegalStateException: root cause",
                "flywheel-feedback",
                2,
                41L,
                "feedback",
                NOW));
  }

  @Test
  void shouldReplaceEarlierDeadLetterHeadersWhenParkedAgain() {
    ProducerRecord<byte[], byte[]> first =
        DeadLetters.record(
            "dlq", null, new byte[] {1}, null, "a", 0, 1L, "s1", new RuntimeException("one"), NOW);
    ProducerRecord<byte[], byte[]> second =
        DeadLetters.record(
            "dlq",
            null,
            new byte[] {1},
            first.headers(),
            "dlq",
            0,
            5L,
            "s2",
            new RuntimeException("two"),
            NOW);
    assertThat(second.headers().headers(DeadLetters.SERVICE)).hasSize(1);
    assertThat(DeadLetters.read(second.headers()))
        .hasValueSatisfying(d -> assertThat(d.service()).isEqualTo("s2"));
  }

  @Test
  void shouldCutLongMessagesAndCopeWithNullMessages() {
    String longMessage = "x".repeat(10_000);
    assertThat(DeadLetters.message(new RuntimeException(longMessage)))
        .hasSize(DeadLetters.MAX_MESSAGE_LENGTH)
        .endsWith("...");
    assertThat(DeadLetters.message(new NullPointerException())).isEqualTo("null");
  }

  @Test
  void shouldReadNothingFromARecordThatWasNeverDeadLettered() {
    assertThat(DeadLetters.read(new RecordHeaders())).isEmpty();
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String key) {
    return new String(record.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
  }
}
