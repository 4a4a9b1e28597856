package dev.flywheel.trainer;

import dev.flywheel.events.TrainingPhase;
import dev.flywheel.events.TrainingProgress;
import dev.flywheel.schemas.Topic;
import java.time.Clock;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends training progress events (keyed by request id) with a plain idempotent producer: progress
 * is informational and short-lived, so it is not part of the outcome transaction, and a lost event
 * is logged, never fatal. Thread-safe.
 */
final class ProgressPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressPublisher.class);

  private final Producer<String, TrainingProgress> producer;
  private final Topic<String, TrainingProgress> topic;
  private final Clock clock;

  ProgressPublisher(
      Producer<String, TrainingProgress> producer,
      Topic<String, TrainingProgress> topic,
      Clock clock) {
    this.producer = producer;
    this.topic = topic;
    this.clock = clock;
  }

  /** A builder pre-filled with the run's identity and the phase. */
  TrainingProgress.Builder event(RunIdentity run, TrainingPhase phase) {
    return TrainingProgress.newBuilder()
        .setRequestId(run.requestId())
        .setModel(run.model())
        .setVersion(run.version())
        .setPhase(phase)
        .setDevice(run.device())
        .setWorker(run.worker())
        .setTimestamp(clock.instant());
  }

  void send(TrainingProgress event) {
    producer.send(
        new ProducerRecord<>(topic.name(), event.getRequestId(), event),
        (metadata, error) -> {
          if (error != null) {
            LOG.warn(
                "request {}: progress event {} not sent: {}",
                event.getRequestId(),
                event.getPhase(),
                error.toString());
          }
        });
  }

  /** Who is training what, for progress events. */
  record RunIdentity(String requestId, String model, int version, String device, String worker) {}
}
