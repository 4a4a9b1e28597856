package dev.flywheel.trainer;

import dev.flywheel.events.RetrainRequested;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One record of the retrain-requests topic as the worker holds it: the raw record (its bytes go to
 * the dead-letter topic unchanged) and either the decoded request or why it could not be decoded.
 */
record Request(ConsumerRecord<byte[], byte[]> record, RetrainRequested value, Exception poison) {

  static Request decoded(ConsumerRecord<byte[], byte[]> record, RetrainRequested value) {
    return new Request(record, value, null);
  }

  static Request poison(ConsumerRecord<byte[], byte[]> record, Exception error) {
    return new Request(record, null, error);
  }

  boolean isPoison() {
    return value == null;
  }

  TopicPartition partition() {
    return new TopicPartition(record.topic(), record.partition());
  }

  long offset() {
    return record.offset();
  }

  /** The model, or null for a record that could not be decoded. */
  String model() {
    return value == null ? null : value.getModel();
  }

  String id() {
    return value == null
        ? record.topic() + "-" + record.partition() + "@" + record.offset()
        : value.getRequestId();
  }

  @Override
  public String toString() {
    return isPoison() ? "poison " + id() : value.getRequestId() + " (" + value.getModel() + ")";
  }
}
