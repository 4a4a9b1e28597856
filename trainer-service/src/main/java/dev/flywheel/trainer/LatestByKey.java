package dev.flywheel.trainer;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A local view of the latest value per key of a topic (model specs, releases), brought up to date
 * on demand: {@link #refresh()} reads what was committed since the last call, so a run that
 * refreshes first sees every spec or release written before it started. A tombstone removes the
 * key.
 */
final class LatestByKey<V> implements AutoCloseable {
  private final TopicFollower<V> follower;
  private final Map<String, V> latest = new ConcurrentHashMap<>();

  LatestByKey(TopicFollower<V> follower) {
    this.follower = follower;
  }

  /** Reads up to the current end of the topic. */
  LatestByKey<V> refresh() {
    follower.refresh(
        record -> {
          if (record.key() == null) {
            return;
          }
          if (record.value() == null) {
            latest.remove(record.key());
          } else {
            latest.put(record.key(), record.value());
          }
        });
    return this;
  }

  Optional<V> get(String key) {
    return Optional.ofNullable(latest.get(key));
  }

  @Override
  public void close() {
    follower.close();
  }
}
