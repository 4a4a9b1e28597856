package dev.flywheel.platform.cluster;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Samples the committed end (the last stable offset) of a topic twice a second, so that a fault's
 * effect on the loop's own output can be read afterwards: how long no new committed record
 * appeared.
 */
final class OffsetWatcher implements AutoCloseable {
  private record Sample(long nanoTime, long committedEnd) {}

  private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private volatile boolean running = true;

  OffsetWatcher(KafkaCluster kafka, String topic) {
    thread =
        new Thread(
            () -> {
              try (Admin admin = kafka.admin()) {
                while (running) {
                  sample(admin, topic);
                  sleep();
                }
              }
            },
            "offset-watcher-" + topic);
    thread.setDaemon(true);
    thread.start();
  }

  private void sample(Admin admin, String topic) {
    try {
      List<TopicPartition> partitions =
          admin
              .describeTopics(List.of(topic))
              .allTopicNames()
              .get(5, TimeUnit.SECONDS)
              .get(topic)
              .partitions()
              .stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      Map<TopicPartition, OffsetSpec> latest =
          partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()));
      long end =
          admin
              .listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
              .all()
              .get(5, TimeUnit.SECONDS)
              .values()
              .stream()
              .mapToLong(info -> info.offset())
              .sum();
      samples.add(new Sample(System.nanoTime(), end));
    } catch (Exception e) {
      // A broker down or a leader moving: no sample this time, which reads as no progress.
    }
  }

  private void sleep() {
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      running = false;
    }
  }

  /**
   * The longest time after {@code nanoTime} during which the committed end did not grow, in
   * seconds, measured up to the last sample that saw it grow.
   */
  double longestStallSeconds(long nanoTime) {
    long lastGrowth = nanoTime;
    long previousEnd = -1;
    long widest = 0;
    for (Sample sample : samples) {
      if (sample.nanoTime() < nanoTime) {
        previousEnd = sample.committedEnd();
        continue;
      }
      if (previousEnd >= 0 && sample.committedEnd() > previousEnd) {
        widest = Math.max(widest, sample.nanoTime() - lastGrowth);
        lastGrowth = sample.nanoTime();
      }
      previousEnd = Math.max(previousEnd, sample.committedEnd());
    }
    return widest / 1e9;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(5_000);
  }
}
