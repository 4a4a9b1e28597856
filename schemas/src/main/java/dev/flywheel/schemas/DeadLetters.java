package dev.flywheel.schemas;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * How every service parks a poison record in the dead-letter topic: the original key and value
 * bytes, the original headers, and headers naming the error, where the record came from and who
 * parked it. {@link #read} turns those headers back into a {@link DeadLetter}.
 */
public final class DeadLetters {
  public static final String HEADER_PREFIX = "flywheel.dlq.";
  public static final String ERROR_CLASS = "flywheel.dlq.error.class";
  public static final String ERROR_MESSAGE = "flywheel.dlq.error.message";
  public static final String SOURCE_TOPIC = "flywheel.dlq.source.topic";
  public static final String SOURCE_PARTITION = "flywheel.dlq.source.partition";
  public static final String SOURCE_OFFSET = "flywheel.dlq.source.offset";
  public static final String SERVICE = "flywheel.dlq.service";

  /** When the record was parked, as an ISO-8601 instant ({@code 2026-01-01T12:00:00Z}). */
  public static final String TIMESTAMP = "flywheel.dlq.timestamp";

  /** Error messages are cut to this many characters, so a header never dwarfs the record. */
  static final int MAX_MESSAGE_LENGTH = 2000;

  private DeadLetters() {}

  /** What the headers of a dead-lettered record say. */
  public record DeadLetter(
      String errorClass,
      String errorMessage,
      String sourceTopic,
      int sourcePartition,
      long sourceOffset,
      String service,
      Instant timestamp) {}

  /**
   * The dead-letter record of a consumed record that {@code service} could not process.
   *
   * @param deadLetterTopic full name of the dead-letter topic ({@code topics.deadLetters().name()})
   */
  public static ProducerRecord<byte[], byte[]> record(
      String deadLetterTopic,
      ConsumerRecord<byte[], byte[]> source,
      String service,
      Throwable error,
      Instant now) {
    return record(
        deadLetterTopic,
        source.key(),
        source.value(),
        source.headers(),
        source.topic(),
        source.partition(),
        source.offset(),
        service,
        error,
        now);
  }

  /**
   * The dead-letter record of the original {@code key} and {@code value} bytes read at {@code
   * sourceTopic}/{@code sourcePartition}@{@code sourceOffset}.
   *
   * @param originalHeaders headers of the original record, kept (without earlier dead-letter
   *     headers); may be null
   */
  public static ProducerRecord<byte[], byte[]> record(
      String deadLetterTopic,
      byte[] key,
      byte[] value,
      Headers originalHeaders,
      String sourceTopic,
      int sourcePartition,
      long sourceOffset,
      String service,
      Throwable error,
      Instant now) {
    Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
    Objects.requireNonNull(sourceTopic, "sourceTopic");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(now, "now");
    RecordHeaders headers = new RecordHeaders();
    if (originalHeaders != null) {
      for (Header header : originalHeaders) {
        if (!header.key().startsWith(HEADER_PREFIX)) {
          headers.add(header.key(), header.value());
        }
      }
    }
    put(headers, ERROR_CLASS, error.getClass().getName());
    put(headers, ERROR_MESSAGE, message(error));
    put(headers, SOURCE_TOPIC, sourceTopic);
    put(headers, SOURCE_PARTITION, Integer.toString(sourcePartition));
    put(headers, SOURCE_OFFSET, Long.toString(sourceOffset));
    put(headers, SERVICE, service);
    put(headers, TIMESTAMP, now.toString());
    return new ProducerRecord<>(deadLetterTopic, null, null, key, value, headers);
  }

  /** The dead-letter headers of a record, or empty when it carries none (or they are damaged). */
  public static Optional<DeadLetter> read(Headers headers) {
    Optional<String> errorClass = text(headers, ERROR_CLASS);
    Optional<String> topic = text(headers, SOURCE_TOPIC);
    if (errorClass.isEmpty() || topic.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new DeadLetter(
              errorClass.get(),
              text(headers, ERROR_MESSAGE).orElse(""),
              topic.get(),
              text(headers, SOURCE_PARTITION).map(Integer::parseInt).orElse(-1),
              text(headers, SOURCE_OFFSET).map(Long::parseLong).orElse(-1L),
              text(headers, SERVICE).orElse(""),
              text(headers, TIMESTAMP).map(Instant::parse).orElse(Instant.EPOCH)));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The message of {@code error} and of its causes, cut to {@link #MAX_MESSAGE_LENGTH}. */
  static String message(Throwable error) {
    StringBuilder text = new StringBuilder(String.valueOf(error.getMessage()));
    Throwable cause = error.getCause();
    for (int depth = 0; cause != null && cause != error && depth < 5; depth++) {
      text.append("; caused by ").append(cause.getClass().getName());
      if (cause.getMessage() != null) {
        text.append(": ").append(cause.getMessage());
      }
      cause = cause.getCause();
    }
    return text.length() <= MAX_MESSAGE_LENGTH
        ? text.toString()
        : text.substring(0, MAX_MESSAGE_LENGTH - 3) + "...";
  }

  private static void put(RecordHeaders headers, String key, String value) {
    headers.remove(key);
    headers.add(key, value.getBytes(StandardCharsets.UTF_8));
  }

  private static Optional<String> text(Headers headers, String key) {
    Header header = headers.lastHeader(key);
    if (header == null || header.value() == null) {
      return Optional.empty();
    }
    return Optional.of(new String(header.value(), StandardCharsets.UTF_8));
  }
}
