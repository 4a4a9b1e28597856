package dev.flywheel.common.kafka;

import dev.flywheel.common.management.CheckResult;
import dev.flywheel.common.management.HealthCheck;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.streams.KafkaStreams;

/** Readiness checks about Kafka: cluster reachable, topics present, Streams running. */
public final class KafkaHealthChecks {
  private KafkaHealthChecks() {}

  /** Up when the cluster answers a describe-cluster call within {@code timeout}. */
  public static HealthCheck clusterReachable(Admin admin, Duration timeout) {
    return () -> {
      int timeoutMs = (int) timeout.toMillis();
      int nodes =
          admin
              .describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs))
              .nodes()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .size();
      return nodes > 0
          ? CheckResult.up(nodes + (nodes == 1 ? " broker" : " brokers"))
          : CheckResult.down("no brokers");
    };
  }

  /** Up when every topic in {@code topics} exists; the detail names the missing ones. */
  public static HealthCheck topicsExist(Admin admin, Collection<String> topics, Duration timeout) {
    Set<String> wanted = new TreeSet<>(topics);
    return () -> {
      Set<String> existing =
          admin
              .listTopics(new ListTopicsOptions().timeoutMs((int) timeout.toMillis()))
              .names()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      Set<String> missing = new TreeSet<>(wanted);
      missing.removeAll(existing);
      return missing.isEmpty()
          ? CheckResult.up(wanted.size() + " topics present")
          : CheckResult.down("missing topics " + missing);
    };
  }

  /** Up while the application is RUNNING; the detail is its state. */
  public static HealthCheck streamsRunning(KafkaStreams streams) {
    return HealthCheck.stateIs(streams::state, KafkaStreams.State.RUNNING);
  }

  /**
   * Liveness of a Streams application: down only once it can no longer recover (ERROR or
   * NOT_RUNNING after a failure), up while running or rebalancing.
   */
  public static HealthCheck streamsAlive(KafkaStreams streams) {
    return () -> {
      KafkaStreams.State state = streams.state();
      boolean dead = state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR;
      return dead ? CheckResult.down(state.name()) : CheckResult.up(state.name());
    };
  }
}
