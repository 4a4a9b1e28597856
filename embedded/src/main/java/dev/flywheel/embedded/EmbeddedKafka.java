package dev.flywheel.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka (KRaft, combined broker and controller) running inside this JVM,
 * with its data kept in a directory between runs. It serves the one-machine default of Flywheel and
 * the integration tests.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).build().start()) {
 *   String bootstrap = kafka.bootstrapServers();
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
  private static final int NODE_ID = 1;
  private static final String BROKER_LISTENER = "PLAINTEXT";
  private static final String CONTROLLER_LISTENER = "CONTROLLER";
  private static final String HOST = "127.0.0.1";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final Path dataDir;
  private final boolean ownsDataDir;
  private final int requestedPort;
  private final int requestedControllerPort;
  private final Map<String, String> overrides;

  private KafkaRaftServer server;
  private int port;

  private EmbeddedKafka(Builder builder) {
    this.ownsDataDir = builder.dataDir == null;
    this.dataDir = ownsDataDir ? createTempDir() : builder.dataDir.toAbsolutePath();
    this.requestedPort = builder.port;
    this.requestedControllerPort = builder.controllerPort;
    this.overrides = Map.copyOf(builder.brokerProperties);
  }

  /** Starts a builder; every setting has a default. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Formats the data directory if it has never been formatted, starts the broker and controller,
   * and returns once the broker accepts produce requests.
   *
   * @return this broker, started
   * @throws IllegalStateException if the broker is already running or does not become ready
   */
  public synchronized EmbeddedKafka start() {
    if (server != null) {
      throw new IllegalStateException("The embedded Kafka broker is already running");
    }
    KafkaLogging.quietBroker();
    port = requestedPort == 0 ? FreePorts.pick() : requestedPort;
    int controllerPort = requestedControllerPort == 0 ? FreePorts.pick() : requestedControllerPort;
    long startedAt = System.nanoTime();
    try {
      Files.createDirectories(dataDir);
      KafkaConfig config = KafkaConfig.fromProps(brokerProperties(controllerPort), false);
      formatIfNeeded(config);
      server = new KafkaRaftServer(config, Time.SYSTEM);
      server.startup();
      awaitReady();
    } catch (IOException e) {
      stopQuietly();
      throw new UncheckedIOException("Cannot prepare Kafka data directory " + dataDir, e);
    } catch (RuntimeException e) {
      stopQuietly();
      throw new IllegalStateException(
          "Embedded Kafka failed to start on " + HOST + ":" + port + " (data in " + dataDir + ")",
          e);
    }
    LOG.info(
        "Embedded Kafka ready at {} (data in {}) after {} ms",
        bootstrapServers(),
        dataDir,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
    return this;
  }

  /**
   * The address clients connect to, {@code 127.0.0.1:<port>}.
   *
   * @throws IllegalStateException if the broker has not been started
   */
  public synchronized String bootstrapServers() {
    if (server == null) {
      throw new IllegalStateException("The embedded Kafka broker is not running");
    }
    return HOST + ":" + port;
  }

  /** The directory holding the broker's logs and metadata. */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * Stops the broker and controller and waits for them to finish; deletes the data directory only
   * if the builder was given none. Calling it twice is harmless.
   */
  @Override
  public synchronized void close() {
    if (server != null) {
      long stoppingAt = System.nanoTime();
      stopQuietly();
      LOG.info(
          "Embedded Kafka stopped in {} ms",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppingAt));
    }
    if (ownsDataDir && Files.exists(dataDir)) {
      try {
        Utils.delete(dataDir.toFile());
      } catch (IOException e) {
        LOG.warn(
            "Could not delete the temporary Kafka data directory {}: {}", dataDir, e.toString());
      }
    }
  }

  private Properties brokerProperties(int controllerPort) {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("process.roles", "broker,controller");
    props.put("node.id", Integer.toString(NODE_ID));
    props.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
    props.put(
        "listeners",
        BROKER_LISTENER
            + "://"
            + HOST
            + ":"
            + port
            + ","
            + CONTROLLER_LISTENER
            + "://"
            + HOST
            + ":"
            + controllerPort);
    props.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + port);
    props.put(
        "listener.security.protocol.map",
        BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
    props.put("controller.listener.names", CONTROLLER_LISTENER);
    props.put("inter.broker.listener.name", BROKER_LISTENER);
    props.put("log.dirs", dataDir.toString());
    // One node: every internal topic has exactly one replica, and few partitions so that the
    // first consumer group or transaction does not wait for 50 partitions to be created.
    props.put("num.partitions", "1");
    props.put("default.replication.factor", "1");
    props.put("min.insync.replicas", "1");
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "5");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("transaction.state.log.num.partitions", "5");
    props.put("share.coordinator.state.topic.replication.factor", "1");
    props.put("share.coordinator.state.topic.min.isr", "1");
    props.put("share.coordinator.state.topic.num.partitions", "5");
    props.put("group.initial.rebalance.delay.ms", "0");
    // The cleaner's default 128 MiB dedupe buffer is sized for big clusters; 2 MiB is plenty here.
    props.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
    props.put("log.segment.bytes", Integer.toString(64 * 1024 * 1024));
    props.put("log.index.size.max.bytes", Integer.toString(1024 * 1024));
    props.put("auto.create.topics.enable", "true");
    props.putAll(overrides);
    Properties properties = new Properties();
    properties.putAll(props);
    return properties;
  }

  private void formatIfNeeded(KafkaConfig config) {
    if (Files.exists(dataDir.resolve("meta.properties"))) {
      LOG.info("Kafka data directory {} already formatted; keeping its data", dataDir);
      return;
    }
    String clusterId = Uuid.randomUuid().toString();
    try (PrintStream formatterOutput = new PrintStream(new LoggingStream(), true, "UTF-8")) {
      KraftStorage.format(
          dataDir, config.nodeId(), clusterId, CONTROLLER_LISTENER, formatterOutput);
    } catch (Exception e) {
      throw new IllegalStateException("Cannot format Kafka data directory " + dataDir, e);
    }
    LOG.info("Formatted Kafka data directory {} for new cluster {}", dataDir, clusterId);
  }

  private void awaitReady() {
    Map<String, Object> adminConfig =
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            HOST + ":" + port,
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
            5_000,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
            10_000,
            AdminClientConfig.CLIENT_ID_CONFIG,
            "flywheel-embedded-readiness");
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    try (Admin admin = Admin.create(adminConfig)) {
      while (true) {
        try {
          DescribeClusterResult cluster = admin.describeCluster();
          // A produce succeeds once the broker is registered, unfenced and knows a controller.
          if (!cluster.nodes().get(10, TimeUnit.SECONDS).isEmpty()
              && cluster.controller().get(10, TimeUnit.SECONDS) != null) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "Embedded Kafka did not become ready within " + READY_TIMEOUT, e);
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "Embedded Kafka did not become ready within " + READY_TIMEOUT);
        }
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for embedded Kafka", e);
    }
  }

  private void stopQuietly() {
    KafkaRaftServer running = server;
    server = null;
    if (running == null) {
      return;
    }
    try {
      running.shutdown();
      running.awaitShutdown();
    } catch (RuntimeException e) {
      LOG.warn("Embedded Kafka did not shut down cleanly: {}", e.toString());
    }
  }

  private static Path createTempDir() {
    try {
      return Files.createTempDirectory("flywheel-kafka-");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create a temporary Kafka data directory", e);
    }
  }

  /** Sends what the storage formatter prints to the log instead of standard output. */
  private static final class LoggingStream extends OutputStream {
    private final StringBuilder line = new StringBuilder();

    @Override
    public void write(int b) {
      if (b == '\n') {
        flush();
      } else {
        line.append((char) b);
      }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      String text = new String(bytes, offset, length, StandardCharsets.UTF_8);
      for (int i = 0; i < text.length(); i++) {
        write(text.charAt(i));
      }
    }

    @Override
    public void flush() {
      if (line.length() > 0) {
        LOG.debug("kafka-storage format: {}", line);
        line.setLength(0);
      }
    }
  }

  /** Settings of an {@link EmbeddedKafka}; ports of 0 mean "pick a free port at start". */
  public static final class Builder {
    private Path dataDir;
    private int port;
    private int controllerPort;
    private final Map<String, String> brokerProperties = new LinkedHashMap<>();

    private Builder() {}

    /**
     * The directory that holds the broker's data between runs. Without one, a temporary directory
     * is used and deleted by {@link EmbeddedKafka#close()}.
     */
    public Builder dataDir(Path dataDir) {
      this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
      return this;
    }

    /** The port clients connect to; 0 (the default) picks a free port at each start. */
    public Builder port(int port) {
      this.port = checkPort(port);
      return this;
    }

    /** The KRaft controller's port; 0 (the default) picks a free port at each start. */
    public Builder controllerPort(int controllerPort) {
      this.controllerPort = checkPort(controllerPort);
      return this;
    }

    /** Overrides or adds one broker setting (a {@code server.properties} key). */
    public Builder brokerProperty(String key, String value) {
      brokerProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, key));
      return this;
    }

    /** Creates the broker; nothing runs until {@link EmbeddedKafka#start()}. */
    public EmbeddedKafka build() {
      return new EmbeddedKafka(this);
    }

    private static int checkPort(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("Port out of range: " + port);
      }
      return port;
    }
  }
}
