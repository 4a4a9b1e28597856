package dev.flywheel.common.kafka;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs how long each state store took to restore from its changelog, and how many records that was:
 * what a restart after a crash spends its time on (under exactly-once, a store that was open at the
 * crash is wiped and rebuilt from the changelog's start).
 */
final class RestoreLog implements StateRestoreListener {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreLog.class);

  private final String name;
  private final Map<TopicPartition, Long> startedAt = new ConcurrentHashMap<>();

  RestoreLog(String name) {
    this.name = name;
  }

  @Override
  public void onRestoreStart(
      TopicPartition partition, String store, long startingOffset, long endingOffset) {
    startedAt.put(partition, System.nanoTime());
    LOG.info(
        "{}: restoring {} from {} offsets {} to {}",
        name,
        store,
        partition,
        startingOffset,
        endingOffset);
  }

  @Override
  public void onBatchRestored(
      TopicPartition partition, String store, long batchEndOffset, long numRestored) {
    // The start and end lines say enough; a line per batch would flood a large restore.
  }

  @Override
  public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
    Long start = startedAt.remove(partition);
    long millis = start == null ? -1 : (System.nanoTime() - start) / 1_000_000;
    LOG.info(
        "{}: restored {} from {}: {} records in {} ms",
        name,
        store,
        partition,
        totalRestored,
        millis);
  }

  @Override
  public void onRestoreSuspended(TopicPartition partition, String store, long totalRestored) {
    startedAt.remove(partition);
    LOG.info(
        "{}: restore of {} from {} suspended after {} records",
        name,
        store,
        partition,
        totalRestored);
  }
}
