package dev.flywheel.platform.cluster;

import dev.flywheel.embedded.FreePorts;
import dev.flywheel.embedded.KraftStorage;
import dev.flywheel.infra.ClusterProfile;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.StringJoiner;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Three (or more) Kafka brokers, each its own JVM started through Kafka's own {@code kafka.Kafka}
 * entry point with a generated {@code server.properties}: every node is broker and controller of
 * one KRaft quorum, topics get replication factor 3 and {@code min.insync.replicas} 2 (the cluster
 * profile of {@link ClusterProfile}, which the Kubernetes manifests and the compose override
 * share).
 */
public final class KafkaCluster implements AutoCloseable {
  static final String HOST = "127.0.0.1";
  private static final String CONTROLLER = "CONTROLLER";
  private static final String BROKER = "PLAINTEXT";

  private final Path dir;
  private final int size;
  private final int[] brokerPorts;
  private final int[] controllerPorts;
  private final Map<Integer, ChildJvm> brokers = new LinkedHashMap<>();
  private final java.util.Set<Integer> down = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private KafkaCluster(Path dir, int size) {
    this.dir = dir;
    this.size = size;
    this.brokerPorts = new int[size + 1];
    this.controllerPorts = new int[size + 1];
    for (int node = 1; node <= size; node++) {
      brokerPorts[node] = FreePorts.pick();
      controllerPorts[node] = FreePorts.pick();
    }
  }

  /** Formats {@code size} data directories under {@code dir} as one cluster and starts them. */
  public static KafkaCluster start(Path dir, int size) throws IOException, InterruptedException {
    KafkaCluster cluster = new KafkaCluster(dir, size);
    try {
      String clusterId = Uuid.randomUuid().toString();
      for (int node = 1; node <= size; node++) {
        Path properties = cluster.writeProperties(node);
        cluster.format(node, clusterId);
        cluster.brokers.put(
            node,
            ChildJvm.start(
                "broker-" + node,
                "kafka.Kafka",
                List.of(properties.toString()),
                "512m",
                Map.of(),
                dir.resolve("logs")));
      }
      cluster.awaitBrokers(size, Duration.ofMinutes(2));
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** The bootstrap list of every broker. */
  public String bootstrapServers() {
    StringJoiner joiner = new StringJoiner(",");
    for (int node = 1; node <= size; node++) {
      joiner.add(HOST + ":" + brokerPorts[node]);
    }
    return joiner.toString();
  }

  public ChildJvm broker(int node) {
    return brokers.get(node);
  }

  /** {@code kill -9} of one broker. */
  public void kill(int node) throws InterruptedException {
    down.add(node);
    brokers.get(node).kill();
  }

  /** Starts a killed broker again on its data directory. */
  public void restart(int node) throws IOException {
    brokers.get(node).start();
    down.remove(node);
  }

  /** An admin client of this cluster; the caller closes it. */
  public Admin admin() {
    Map<String, Object> config = new HashMap<>();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
    return Admin.create(config);
  }

  /** Creates a topic with the cluster's replication unless it exists. */
  public void createTopic(String name, int partitions, Map<String, String> configs)
      throws InterruptedException {
    try (Admin admin = admin()) {
      admin
          .createTopics(List.of(new NewTopic(name, partitions, (short) size).configs(configs)))
          .all()
          .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("Cannot create topic " + name, e.getCause());
      }
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Creating topic " + name + " timed out", e);
    }
  }

  /** The broker that leads the most partitions of {@code topics} now. */
  public int leaderOfMost(Collection<String> topics) throws InterruptedException {
    Map<Integer, Integer> led = new HashMap<>();
    try (Admin admin = admin()) {
      Map<String, TopicDescription> descriptions =
          admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
      for (TopicDescription description : descriptions.values()) {
        for (TopicPartitionInfo partition : description.partitions()) {
          Node leader = partition.leader();
          if (leader != null) {
            led.merge(leader.id(), 1, Integer::sum);
          }
        }
      }
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Cannot describe " + topics, e);
    }
    return led.entrySet().stream()
        .max(Map.Entry.comparingByValue())
        .map(Map.Entry::getKey)
        .orElseThrow(
            () -> new IllegalStateException("No partition of " + topics + " has a leader"));
  }

  /** Waits until every partition of {@code topics} has all its replicas in sync again. */
  public void awaitInSync(Collection<String> topics, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try (Admin admin = admin()) {
        boolean inSync =
            admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values().stream()
                .flatMap(d -> d.partitions().stream())
                .allMatch(p -> p.isr().size() == p.replicas().size());
        if (inSync) {
          return;
        }
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        // A broker still coming back: ask again.
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(
        topics + " did not get every replica in sync within " + timeout);
  }

  /** Waits until {@code count} brokers answer as members of the cluster. */
  public void awaitBrokers(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      for (Map.Entry<Integer, ChildJvm> entry : brokers.entrySet()) {
        ChildJvm broker = entry.getValue();
        if (!down.contains(entry.getKey()) && !broker.isAlive()) {
          throw new IllegalStateException(broker + " exited during start-up:\n" + broker.tail(40));
        }
      }
      try (Admin admin = admin()) {
        int nodes = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
        if (nodes >= count) {
          return;
        }
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        last = e;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(count + " brokers were not up within " + timeout, last);
  }

  private Path writeProperties(int node) throws IOException {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("process.roles", "broker,controller");
    props.put("node.id", Integer.toString(node));
    StringJoiner voters = new StringJoiner(",");
    for (int other = 1; other <= size; other++) {
      voters.add(other + "@" + HOST + ":" + controllerPorts[other]);
    }
    props.put("controller.quorum.voters", voters.toString());
    props.put(
        "listeners",
        BROKER
            + "://"
            + HOST
            + ":"
            + brokerPorts[node]
            + ","
            + CONTROLLER
            + "://"
            + HOST
            + ":"
            + controllerPorts[node]);
    props.put("advertised.listeners", BROKER + "://" + HOST + ":" + brokerPorts[node]);
    props.put("listener.security.protocol.map", BROKER + ":PLAINTEXT," + CONTROLLER + ":PLAINTEXT");
    props.put("controller.listener.names", CONTROLLER);
    props.put("inter.broker.listener.name", BROKER);
    props.put("log.dirs", dataDir(node).toString());
    props.putAll(ClusterProfile.brokerSettings());
    // Small machine: few partitions for the internal topics, a small cleaner buffer.
    props.put("offsets.topic.num.partitions", "5");
    props.put("transaction.state.log.num.partitions", "5");
    props.put("share.coordinator.state.topic.num.partitions", "5");
    props.put("group.initial.rebalance.delay.ms", "0");
    props.put("log.cleaner.dedupe.buffer.size", Integer.toString(4 * 1024 * 1024));
    props.put("num.network.threads", "2");
    props.put("num.io.threads", "2");
    props.put("auto.create.topics.enable", "false");
    Path file = dir.resolve("broker-" + node + ".properties");
    Files.createDirectories(dir);
    Properties properties = new Properties();
    properties.putAll(props);
    try (OutputStream out = Files.newOutputStream(file)) {
      properties.store(out, "broker " + node + " of a local " + size + "-node KRaft cluster");
    }
    return file;
  }

  private Path dataDir(int node) {
    return dir.resolve("data-" + node);
  }

  private void format(int node, String clusterId) throws IOException {
    Path data = dataDir(node);
    Files.createDirectories(data);
    try (PrintStream quiet =
        new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8)) {
      KraftStorage.format(data, node, clusterId, CONTROLLER, quiet);
    } catch (Exception e) {
      throw new IOException("Cannot format " + data, e);
    }
  }

  /**
   * Kills every broker by its own pid. Not one by one gracefully: the last voters of a quorum that
   * lost its majority wait for it in a controlled shutdown.
   */
  @Override
  public void close() throws InterruptedException {
    for (ChildJvm broker : new ArrayList<>(brokers.values())) {
      broker.kill();
    }
  }
}
