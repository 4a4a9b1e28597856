package dev.flywheel.platform;

import dev.flywheel.events.EvaluationCompleted;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.QualityReport;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.events.TrainingFailed;
import dev.flywheel.events.TrainingProgress;
import dev.flywheel.schemas.AvroDeserializer;
import dev.flywheel.schemas.AvroSerdeConfig;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the loop's event topics with a plain Kafka consumer, the way any subscribing app would,
 * and hands each event to a {@link Listener}. The demo uses it to show the loop live.
 */
final class LoopWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LoopWatcher.class);

  /** Callbacks on the watcher's thread, one per event kind; all default to doing nothing. */
  interface Listener {
    default void retrainRequested(RetrainRequested event) {}

    default void progress(TrainingProgress event) {}

    default void candidate(ModelCandidate event) {}

    default void trainingFailed(TrainingFailed event) {}

    default void evaluated(EvaluationCompleted event) {}

    default void released(ModelReleased event) {}

    default void quality(QualityReport event) {}
  }

  private final KafkaConsumer<String, SpecificRecord> consumer;
  private final Map<String, Topic<?, ?>> byName;
  private final Listener listener;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  LoopWatcher(String bootstrapServers, String registryUrl, Topics topics, Listener listener) {
    List<Topic<?, ?>> watched =
        List.of(
            topics.retrainRequests(),
            topics.trainingProgress(),
            topics.candidates(),
            topics.trainingFailures(),
            topics.evaluations(),
            topics.releases(),
            topics.quality());
    this.byName =
        watched.stream().collect(Collectors.toMap(Topic::name, topic -> topic, (a, b) -> a));
    this.listener = listener;
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "flywheel-demo-watcher-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // No record class configured: each record is read as the class its writer schema names.
    AvroDeserializer<SpecificRecord> values = new AvroDeserializer<>();
    values.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registryUrl), false);
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), values);
    consumer.subscribe(byName.keySet());
    this.thread = new Thread(this::run, "flywheel-demo-watcher");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  private void run() {
    try {
      while (running.get()) {
        for (ConsumerRecord<String, SpecificRecord> record :
            consumer.poll(Duration.ofMillis(200))) {
          dispatch(record.value());
        }
      }
    } catch (WakeupException e) {
      if (running.get()) {
        throw e;
      }
    } catch (RuntimeException e) {
      LOG.error("The demo's event watcher stopped", e);
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void dispatch(SpecificRecord value) {
    if (value instanceof RetrainRequested event) {
      listener.retrainRequested(event);
    } else if (value instanceof TrainingProgress event) {
      listener.progress(event);
    } else if (value instanceof ModelCandidate event) {
      listener.candidate(event);
    } else if (value instanceof TrainingFailed event) {
      listener.trainingFailed(event);
    } else if (value instanceof EvaluationCompleted event) {
      listener.evaluated(event);
    } else if (value instanceof ModelReleased event) {
      listener.released(event);
    } else if (value instanceof QualityReport event) {
      listener.quality(event);
    }
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    consumer.wakeup();
    thread.join(10_000);
  }
}
