package dev.flywheel.ingest;

import dev.flywheel.common.lifecycle.Service;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the registry topics (specs, candidates, training failures, evaluations, releases) from the
 * beginning into a {@link RegistryView}, and keeps following them. It uses no consumer group: every
 * gateway instance needs the whole history. {@link #start()} returns once the view has caught up
 * with the end offsets seen at start, so the registry routes answer completely from the first
 * request.
 */
final class RegistryFollower implements Service {
  private static final String SKIPPED = "flywheel.ingest.registry.skipped";
  private static final Logger LOG = LoggerFactory.getLogger(RegistryFollower.class);
  private static final Duration POLL = Duration.ofMillis(200);

  private final Consumer<byte[], byte[]> consumer;
  private final Topics topics;
  private final RegistryView view;
  private final Duration startTimeout;
  private final MeterRegistry metrics;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private volatile Thread thread;
  private volatile Throwable failure;
  private volatile boolean running;

  RegistryFollower(
      Consumer<byte[], byte[]> consumer,
      Topics topics,
      RegistryView view,
      Duration startTimeout,
      MeterRegistry metrics) {
    this.consumer = consumer;
    this.topics = topics;
    this.view = view;
    this.startTimeout = startTimeout;
    this.metrics = metrics;
    // One skip counter per followed topic, present at 0 from the start.
    for (Topic<?, ?> topic : followed(topics)) {
      metrics.counter(SKIPPED, "topic", topic.name());
    }
  }

  @Override
  public String name() {
    return "registry-follower";
  }

  @Override
  public void start() throws Exception {
    running = true;
    thread = new Thread(this::run, "flywheel-ingest-registry");
    thread.setDaemon(true);
    thread.start();
    if (!caughtUp.await(startTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(
          "the registry topics were not read within " + startTimeout + " (is Kafka reachable?)");
    }
    if (failure != null) {
      throw new IllegalStateException("cannot follow the registry topics", failure);
    }
  }

  /** Whether the loop is alive (liveness). */
  boolean alive() {
    Thread current = thread;
    return current != null && current.isAlive() && failure == null;
  }

  private void run() {
    try {
      List<TopicPartition> partitions = assign();
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      while (running) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
        for (ConsumerRecord<byte[], byte[]> record : records) {
          apply(record);
        }
        if (caughtUp.getCount() > 0 && reached(ends)) {
          LOG.info(
              "Registry view caught up: {} models, {} releases",
              view.models().size(),
              view.releases().size());
          caughtUp.countDown();
        }
      }
    } catch (WakeupException e) {
      if (running) {
        failure = e;
      }
    } catch (RuntimeException e) {
      failure = e;
      LOG.error("The registry follower stopped: {}", e.toString(), e);
    } finally {
      caughtUp.countDown();
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  /** The topics the registry view is built from. */
  private static List<Topic<?, ?>> followed(Topics topics) {
    return List.of(
        topics.modelSpecs(),
        topics.candidates(),
        topics.trainingFailures(),
        topics.evaluations(),
        topics.releases());
  }

  private List<TopicPartition> assign() {
    List<TopicPartition> partitions = new ArrayList<>();
    for (Topic<?, ?> topic : followed(topics)) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException("topic " + topic.name() + " does not exist");
      }
      infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
      if (topic == topics.releases()) {
        view.releasePartitions(infos.size());
      }
    }
    consumer.assign(partitions);
    return partitions;
  }

  private boolean reached(Map<TopicPartition, Long> ends) {
    for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
      if (consumer.position(end.getKey()) < end.getValue()) {
        return false;
      }
    }
    return true;
  }

  private void apply(ConsumerRecord<byte[], byte[]> record) {
    String name = record.topic();
    try {
      if (record.value() == null) {
        return;
      }
      if (name.equals(topics.modelSpecs().name())) {
        view.applySpec(decode(topics.modelSpecs(), record));
      } else if (name.equals(topics.candidates().name())) {
        view.applyCandidate(decode(topics.candidates(), record));
      } else if (name.equals(topics.trainingFailures().name())) {
        view.applyFailure(decode(topics.trainingFailures(), record));
      } else if (name.equals(topics.evaluations().name())) {
        view.applyEvaluation(decode(topics.evaluations(), record));
      } else if (name.equals(topics.releases().name())) {
        ModelReleased release = decode(topics.releases(), record);
        view.applyRelease(new ReleaseEntry(record.partition(), record.offset(), release));
      }
    } catch (RuntimeException e) {
      // One undecodable record must not stop the registry; it is skipped and counted.
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
