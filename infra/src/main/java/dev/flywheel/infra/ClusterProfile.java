package dev.flywheel.infra;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The cluster profile: what a Flywheel installation on a multi-broker Kafka cluster sets, in one
 * place. The fault harness (bench/cluster) runs with exactly these settings, and tests hold the
 * Kubernetes manifests and {@code docker/compose.cluster.yaml} to them, so that what the harness
 * proves is what a user deploys.
 */
public final class ClusterProfile {
  private ClusterProfile() {}

  /**
   * Broker settings: three replicas of every topic (Flywheel's, the consumer offsets, the
   * transaction log), two of which must acknowledge each write, and no unclean leader election (an
   * acknowledged record then survives the loss of any one broker); a silent follower leaves the
   * in-sync replicas after 10 s.
   */
  public static Map<String, String> brokerSettings() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("default.replication.factor", "3");
    settings.put("min.insync.replicas", "2");
    settings.put("offsets.topic.replication.factor", "3");
    settings.put("transaction.state.log.replication.factor", "3");
    settings.put("transaction.state.log.min.isr", "2");
    settings.put("unclean.leader.election.enable", "false");
    // A follower that stops answering (a long pause) leaves the in-sync set after 10 s, not 30 s:
    // until then, with min.insync.replicas 2, its leader cannot acknowledge writes whose other
    // follower is the paused one (bench/cluster: a 30 s pause stalled the examples for 28 s).
    settings.put("replica.lag.time.max.ms", "10000");
    return settings;
  }

  /** What every Flywheel service reads: the topics it creates get three replicas. */
  public static Map<String, String> serviceSettings() {
    return Map.of("FLYWHEEL_TOPICS_REPLICATION_FACTOR", "3");
  }

  /**
   * What the feedback service (Kafka Streams) adds: one standby replica of each state store on
   * another instance, so that a crashed instance's tasks move to a warm copy instead of being
   * rebuilt from their changelogs.
   */
  public static Map<String, String> streamsSettings() {
    return Map.of("FLYWHEEL_KAFKA_STREAMS_NUM_STANDBY_REPLICAS", "1");
  }
}
