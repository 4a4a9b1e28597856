package dev.flywheel.ingest;

import dev.flywheel.common.lifecycle.Service;
import dev.flywheel.common.snapshot.TopicTail;
import dev.flywheel.schemas.Topic;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a set of topics from the beginning into an in-memory view, then keeps following them, on
 * its own thread and without a consumer group: every gateway instance needs the whole history. A
 * record that cannot be decoded is skipped and counted (one per topic, present at 0), so it can
 * never stop the view. {@link #caughtUp} opens once the end offsets seen at start are reached.
 */
abstract class TopicsFollower implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(TopicsFollower.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);

  private final Consumer<byte[], byte[]> consumer;
  private final List<Topic<?, ?>> followed;
  private final String skippedMetric;
  private final String threadName;
  private final MeterRegistry metrics;

  /** Opens when the view holds everything written before the follower started (or it failed). */
  protected final CountDownLatch caughtUp = new CountDownLatch(1);

  private volatile Thread thread;
  private volatile Throwable failure;
  private volatile boolean running;

  TopicsFollower(
      Consumer<byte[], byte[]> consumer,
      List<Topic<?, ?>> followed,
      String skippedMetric,
      String threadName,
      MeterRegistry metrics) {
    this.consumer = consumer;
    this.followed = List.copyOf(followed);
    this.skippedMetric = skippedMetric;
    this.threadName = threadName;
    this.metrics = metrics;
    for (Topic<?, ?> topic : followed) {
      metrics.counter(skippedMetric, "topic", topic.name());
    }
  }

  /** Applies one record with a value to the view; a runtime exception skips it. */
  protected abstract void apply(ConsumerRecord<byte[], byte[]> record);

  /** Called once the partitions of {@code topic} are known, before anything is read. */
  protected void onPartitions(Topic<?, ?> topic, int partitions) {}

  /** Called on the follower's thread when it has caught up, before {@link #caughtUp} opens. */
  protected void onCaughtUp() {}

  @Override
  public void start() throws Exception {
    running = true;
    Thread current = new Thread(this::run, threadName);
    current.setDaemon(true);
    thread = current;
    current.start();
  }

  /** Whether the loop is alive (liveness). */
  boolean alive() {
    Thread current = thread;
    return current != null && current.isAlive() && failure == null;
  }

  /** Why the loop stopped, or null. */
  protected Throwable failure() {
    return failure;
  }

  protected static <V> V decode(Topic<String, V> topic, ConsumerRecord<byte[], byte[]> record) {
    return topic.valueSerde().deserializer().deserialize(record.topic(), record.value());
  }

  private void run() {
    try {
      TopicTail<byte[], byte[]> tail =
          TopicTail.open(consumer, followed.stream().map(Topic::name).toList(), METADATA_TIMEOUT);
      followed.forEach(topic -> onPartitions(topic, tail.partitionCount(topic.name())));
      Map<TopicPartition, Long> ends = tail.lastStableOffsets(METADATA_TIMEOUT);
      while (running) {
        tail.poll(POLL, this::applySkippingBadRecords);
        if (caughtUp.getCount() > 0 && tail.reached(ends)) {
          onCaughtUp();
          caughtUp.countDown();
        }
      }
    } catch (WakeupException e) {
      if (running) {
        failure = e;
      }
    } catch (RuntimeException e) {
      failure = e;
      LOG.error("The {} stopped: {}", name(), e.toString(), e);
    } finally {
      caughtUp.countDown();
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  private void applySkippingBadRecords(ConsumerRecord<byte[], byte[]> record) {
    if (record.value() == null) {
      return;
    }
    try {
      apply(record);
    } catch (RuntimeException e) {
      // One undecodable record must not stop the view; it is skipped and counted.
      metrics.counter(skippedMetric, "topic", record.topic()).increment();
      LOG.warn(
          "Skipping undecodable record {}-{}@{}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.toString());
    }
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
