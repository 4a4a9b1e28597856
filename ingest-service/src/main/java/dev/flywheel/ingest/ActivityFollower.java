package dev.flywheel.ingest;

import dev.flywheel.common.lifecycle.Service;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the topics of the live loop (quality reports, retrain requests, examples, training
 * progress) from the beginning into an {@link ActivityView}, without a consumer group, the way
 * {@link RegistryFollower} follows the registry. Unlike the registry it does not hold up the
 * gateway's start: the examples topic can be long, and the activity it feeds is a view for people,
 * which fills in while the gateway already serves.
 */
final class ActivityFollower implements Service {
  private static final String SKIPPED = "flywheel.ingest.activity.skipped";
  private static final Logger LOG = LoggerFactory.getLogger(ActivityFollower.class);
  private static final Duration POLL = Duration.ofMillis(200);

  private final Consumer<byte[], byte[]> consumer;
  private final Topics topics;
  private final ActivityView view;
  private final MeterRegistry metrics;
  private volatile Thread thread;
  private volatile Throwable failure;
  private volatile boolean running;

  ActivityFollower(
      Consumer<byte[], byte[]> consumer, Topics topics, ActivityView view, MeterRegistry metrics) {
    this.consumer = consumer;
    this.topics = topics;
    this.view = view;
    this.metrics = metrics;
    for (Topic<?, ?> topic : followed(topics)) {
      metrics.counter(SKIPPED, "topic", topic.name());
    }
  }

  @Override
  public String name() {
    return "activity-follower";
  }

  @Override
  public void start() {
    running = true;
    thread = new Thread(this::run, "flywheel-ingest-activity");
    thread.setDaemon(true);
    thread.start();
  }

  /** Whether the loop is alive (liveness). */
  boolean alive() {
    Thread current = thread;
    return current != null && current.isAlive() && failure == null;
  }

  private static List<Topic<?, ?>> followed(Topics topics) {
    return List.of(
        topics.quality(), topics.retrainRequests(), topics.examples(), topics.trainingProgress());
  }

  private void run() {
    try {
      List<TopicPartition> partitions = new ArrayList<>();
      for (Topic<?, ?> topic : followed(topics)) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
          throw new IllegalStateException("topic " + topic.name() + " does not exist");
        }
        infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (running) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          apply(record);
        }
      }
    } catch (WakeupException e) {
      if (running) {
        failure = e;
      }
    } catch (RuntimeException e) {
      failure = e;
      LOG.error("The activity follower stopped: {}", e.toString(), e);
    } finally {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  private void apply(ConsumerRecord<byte[], byte[]> record) {
    String name = record.topic();
    try {
      if (record.value() == null) {
        return;
      }
      if (name.equals(topics.quality().name())) {
        view.applyQuality(decode(topics.quality(), record));
      } else if (name.equals(topics.retrainRequests().name())) {
        view.applyRetrainRequest(decode(topics.retrainRequests(), record));
      } else if (name.equals(topics.examples().name())) {
        view.applyExample(decode(topics.examples(), record), record.timestamp());
      } else if (name.equals(topics.trainingProgress().name())) {
        view.applyProgress(decode(topics.trainingProgress(), record));
      }
    } catch (RuntimeException e) {
      // One undecodable record must not stop the view; it is skipped and counted.
      metrics.counter(SKIPPED, "topic", name).increment();
      LOG.warn(
          "Skipping undecodable record {}-{}@{}: {}",
          name,
          record.partition(),
          record.offset(),
          e.toString());
    }
  }

  private static <V> V decode(Topic<String, V> topic, ConsumerRecord<byte[], byte[]> record) {
    return topic.valueSerde().deserializer().deserialize(record.topic(), record.value());
  }

  @Override
  public void close() {
    running = false;
    Thread current = thread;
    if (current != null) {
      consumer.wakeup();
      try {
        current.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
