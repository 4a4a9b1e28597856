package dev.flywheel.common.kafka;

import dev.flywheel.schemas.DeadLetters;
import dev.flywheel.schemas.Topic;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consume–decide–produce transaction of a service that reads with one consumer and writes with
 * one transactional producer: what a record leads to and the record's offset are written in one
 * transaction, so each record has its effect exactly once even across crashes.
 *
 * <p>{@link #pollAndProcess} is the whole loop for a service that decides record by record: poll,
 * hand each record to a {@link RecordHandler} (which decides and calls {@link #commit}), and on a
 * failure abort, rewind the consumer to the first record not yet committed and try again after a
 * delay, or park in the dead-letter topic a record that can never be processed. A service that
 * decides elsewhere (the trainer trains on another thread) uses {@link #tryCommit}, {@link
 * #deadLetterRecord} and {@link #record} around its own poll.
 *
 * <p><b>Fatal producer errors</b> ({@link ErrorClassifier#isFatal}: fenced, out of order sequence,
 * not authorized...) and a failed abort are thrown as they are, never retried and never answered by
 * a new producer: the loop that called ends and its service fails (liveness down, the process exits
 * where the service reports fatal errors). A fenced producer means another instance with the same
 * {@code transactional.id} has taken over; making a new producer with that id would fence the newer
 * instance in turn, and the two would take the work from each other for ever. A restarted process
 * fences the stale one once and aborts what it left open.
 */
public final class TransactionalProcessor {
  private static final Logger LOG = LoggerFactory.getLogger(TransactionalProcessor.class);
  private static final CrashPoint CRASH_POINT = CrashPoint.fromEnvironment();

  /** Decides about one consumed record and commits its outcome through {@link #commit}. */
  @FunctionalInterface
  public interface RecordHandler {
    /**
     * Processes {@code record}. A {@link KafkaException} it throws is classified: fatal ends the
     * loop, permanent parks the record, retriable rewinds and retries it.
     */
    void handle(ConsumerRecord<byte[], byte[]> record) throws InterruptedException;
  }

  /** Told about each record parked in the dead-letter topic (e.g. to count it). */
  @FunctionalInterface
  public interface DeadLetterListener {
    /** {@code record} was parked because of {@code error}. */
    void parked(ConsumerRecord<byte[], byte[]> record, Throwable error);
  }

  private final Producer<byte[], byte[]> producer;
  private final Consumer<byte[], byte[]> consumer;
  private final String service;
  private final String deadLetterTopic;
  private final Clock clock;
  private final Duration retryDelay;
  private final DeadLetterListener onDeadLetter;

  /**
   * A processor writing with {@code producer} (transactions already initialised) and committing the
   * offsets of {@code consumer}'s group.
   *
   * @param service the {@code service} header of dead-lettered records
   * @param retryDelay wait after a retriable failure before the rewound records are polled again
   */
  public TransactionalProcessor(
      Producer<byte[], byte[]> producer,
      Consumer<byte[], byte[]> consumer,
      String service,
      String deadLetterTopic,
      Clock clock,
      Duration retryDelay,
      DeadLetterListener onDeadLetter) {
    this.producer = Objects.requireNonNull(producer, "producer");
    this.consumer = Objects.requireNonNull(consumer, "consumer");
    this.service = Objects.requireNonNull(service, "service");
    this.deadLetterTopic = Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.retryDelay = Objects.requireNonNull(retryDelay, "retryDelay");
    this.onDeadLetter = Objects.requireNonNull(onDeadLetter, "onDeadLetter");
  }

  /** A record keyed by {@code key} (UTF-8) whose value is serialized by {@code topic}'s serde. */
  public static <V> ProducerRecord<byte[], byte[]> record(
      Topic<String, V> topic, String key, V value) {
    return new ProducerRecord<>(
        topic.name(),
        key.getBytes(StandardCharsets.UTF_8),
        topic.valueSerde().serializer().serialize(topic.name(), value));
  }

  /** The dead-letter record of {@code source}, naming {@code error} and this service. */
  public ProducerRecord<byte[], byte[]> deadLetterRecord(
      ConsumerRecord<byte[], byte[]> source, Throwable error) {
    return DeadLetters.record(deadLetterTopic, source, service, error, clock.instant());
  }

  /**
   * Polls once and processes the records in order, each through {@code handler}, until {@code
   * stopping} says so (the rest stay uncommitted for the next owner of their partitions).
   *
   * @return false when the poll was woken up ({@link Consumer#wakeup}): the loop should end
   * @throws KafkaException a fatal error: the loop must end
   */
  public boolean pollAndProcess(Duration poll, RecordHandler handler, BooleanSupplier stopping)
      throws InterruptedException {
    ConsumerRecords<byte[], byte[]> records;
    try {
      records = consumer.poll(poll);
    } catch (WakeupException e) {
      return false;
    }
    process(records, handler, stopping);
    return true;
  }

  private void process(
      ConsumerRecords<byte[], byte[]> records, RecordHandler handler, BooleanSupplier stopping)
      throws InterruptedException {
    for (TopicPartition tp : records.partitions()) {
      for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
        if (stopping.getAsBoolean()) {
          return;
        }
        try {
          handler.handle(record);
        } catch (KafkaException e) {
          ErrorKind kind = ErrorClassifier.classify(e);
          if (kind == ErrorKind.FATAL) {
            throw e;
          }
          if (stopping.getAsBoolean()) {
            return;
          }
          if (kind == ErrorKind.PERMANENT) {
            // This record can never be processed (e.g. an output too large): park it, go on.
            deadLetter(record, e);
            continue;
          }
          LOG.warn(
              "processing {}-{}@{} failed ({}); retrying",
              record.topic(),
              record.partition(),
              record.offset(),
              e.toString());
          rewind(records, tp, record.offset());
          Thread.sleep(retryDelay.toMillis());
          return;
        }
      }
    }
  }

  /**
   * Seeks every partition of the batch from the failed one on back to its first record not yet
   * committed: its last committed offset, as each record before was committed on its own.
   */
  private void rewind(ConsumerRecords<byte[], byte[]> records, TopicPartition failed, long offset) {
    consumer.seek(failed, offset);
    boolean after = false;
    for (TopicPartition tp : records.partitions()) {
      if (tp.equals(failed)) {
        after = true;
      } else if (after) {
        consumer.seek(tp, records.records(tp).get(0).offset());
      }
    }
  }

  /** Parks {@code record} in the dead-letter topic and commits its offset, in one transaction. */
  public void deadLetter(ConsumerRecord<byte[], byte[]> record, Throwable error) {
    LOG.warn(
        "parking {}-{}@{} in the dead-letter topic: {}",
        record.topic(),
        record.partition(),
        record.offset(),
        error.getMessage());
    commit(List.of(deadLetterRecord(record, error)), record);
    onDeadLetter.parked(record, error);
  }

  /**
   * Writes {@code out} and, when {@code consumed} is given, its offset in one transaction.
   *
   * @param consumed the record processed, or null for output that consumes nothing
   * @throws KafkaException when the transaction failed (aborted, unless the error is fatal)
   */
  public void commit(
      List<ProducerRecord<byte[], byte[]>> out, ConsumerRecord<byte[], byte[]> consumed) {
    commit(
        out,
        consumed == null
            ? Map.of()
            : Map.of(
                new TopicPartition(consumed.topic(), consumed.partition()),
                new OffsetAndMetadata(consumed.offset() + 1)));
  }

  /**
   * Writes {@code out} and commits {@code offsets} (none when empty) in one transaction.
   *
   * @throws KafkaException when the transaction failed: aborted, unless the error is fatal
   * @throws IllegalStateException when the abort failed too (the producer cannot go on)
   */
  public void commit(
      List<ProducerRecord<byte[], byte[]>> out, Map<TopicPartition, OffsetAndMetadata> offsets) {
    producer.beginTransaction();
    try {
      for (ProducerRecord<byte[], byte[]> r : out) {
        producer.send(r);
      }
      if (!offsets.isEmpty()) {
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
      }
      if (CRASH_POINT.armedFor(out)) {
        producer.flush(); // the decision is in the log, uncommitted, when the process dies
        CRASH_POINT.halt();
      }
      producer.commitTransaction();
    } catch (KafkaException e) {
      if (!ErrorClassifier.isFatal(e)) {
        abort(e);
      }
      throw e;
    }
  }

  /**
   * {@link #commit(List, Map)} for callers that go on after a failed transaction: false when it was
   * aborted, nothing of it visible.
   *
   * @throws KafkaException a fatal error
   * @throws IllegalStateException when the abort failed
   */
  public boolean tryCommit(
      List<ProducerRecord<byte[], byte[]>> out, Map<TopicPartition, OffsetAndMetadata> offsets) {
    try {
      commit(out, offsets);
      return true;
    } catch (KafkaException e) {
      if (ErrorClassifier.isFatal(e)) {
        throw e;
      }
      LOG.warn("{}: transaction aborted: {}", service, e.toString());
      return false;
    }
  }

  private void abort(KafkaException cause) {
    try {
      producer.abortTransaction();
    } catch (KafkaException abortFailed) {
      abortFailed.addSuppressed(cause);
      throw new IllegalStateException(
          service + ": aborting a failed transaction failed; the producer cannot go on",
          abortFailed);
    }
  }
}
