package dev.flywheel.feedback;

import dev.flywheel.common.config.InvalidConfigException;
import dev.flywheel.common.kafka.KafkaHealthChecks;
import dev.flywheel.common.kafka.StreamsService;
import dev.flywheel.common.lifecycle.ExitCodes;
import dev.flywheel.common.lifecycle.Service;
import dev.flywheel.common.lifecycle.ServiceRunner;
import dev.flywheel.common.management.HealthChecks;
import dev.flywheel.common.management.ManagementServer;
import dev.flywheel.common.metrics.Metrics;
import dev.flywheel.schemas.EnsureReport;
import dev.flywheel.schemas.RegistryConfig;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.TopicEnsurer;
import dev.flywheel.schemas.Topics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feedback service: runs {@link FeedbackTopology} as a Kafka Streams application with
 * exactly-once processing ({@code exactly_once_v2}), its management server ({@code /health/live},
 * {@code /health/ready} ready when Streams is RUNNING, {@code /metrics}) and the live-quality API.
 * {@link #start()} returns once Streams is RUNNING. A stream thread's unexpected exception shuts
 * the client down ({@code SHUTDOWN_CLIENT}); liveness then fails and {@code onFatal} is told.
 */
public final class FeedbackService implements Service {
  /** The service's name in logs and exit lines. */
  public static final String NAME = "feedback";

  private static final Logger LOG = LoggerFactory.getLogger(FeedbackService.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private final FeedbackConfig config;
  private final PrometheusMeterRegistry registry;
  private final Consumer<Throwable> onFatal;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private volatile KafkaStreams streams;
  private ManagementServer management;
  private QualityApi qualityApi;

  /**
   * @param registry the process's meter registry (served on {@code /metrics})
   * @param onFatal told once when Streams dies of an unexpected exception
   */
  public FeedbackService(
      FeedbackConfig config, PrometheusMeterRegistry registry, Consumer<Throwable> onFatal) {
    this.config = Objects.requireNonNull(config, "config");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.onFatal = Objects.requireNonNull(onFatal, "onFatal");
  }

  /** Runs the service until it is stopped or fails; exits with a code of {@link ExitCodes}. */
  public static void main(String[] args) {
    FeedbackConfig config;
    try {
      config = FeedbackConfig.fromEnvironment();
    } catch (InvalidConfigException e) {
      System.err.println(NAME + ": " + e.getMessage());
      System.exit(ExitCodes.CONFIG_INVALID);
      return;
    }
    ServiceRunner[] runner = new ServiceRunner[1];
    FeedbackService service =
        new FeedbackService(config, Metrics.registry(), error -> runner[0].fail(error));
    runner[0] = ServiceRunner.builder(NAME).add(service).build();
    runner[0].run();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public synchronized void start() throws Exception {
    LOG.info("Starting the feedback service: {}", config);
    SchemaRegistryClient registryClient =
        new SchemaRegistryClient(RegistryConfig.of(config.registryUrl()));
    started.push(registryClient);
    Topics topics = Topics.create(config.topicPrefix(), registryClient);
    ensureTopics(topics);

    FeedbackMetrics metrics = new FeedbackMetrics(registry);
    Properties props = config.clients().streamsConfig(config.applicationId());
    StreamsProperties.required(topics, metrics).forEach(props::put);
    streams = new KafkaStreams(FeedbackTopology.build(topics, config.settings(), metrics), props);
    StreamsService streamsService =
        new StreamsService(
            "feedback-streams", streams, config.startTimeout(), CLOSE_TIMEOUT, this::fatal);
    started.push(Metrics.bind(registry, streams));

    HealthChecks checks =
        new HealthChecks()
            .readiness("kafka-streams", KafkaHealthChecks.streamsRunning(streams))
            .liveness("kafka-streams", KafkaHealthChecks.streamsAlive(streams));
    management =
        ManagementServer.builder()
            .host(config.managementHost())
            .port(config.managementPort())
            .registry(registry)
            .health(checks)
            .build();
    management.start();
    started.push(management);
    qualityApi =
        new QualityApi(
            () -> streams,
            config.httpHost(),
            config.httpPort(),
            config.apiKeys(),
            config.settings().qualityWindow());
    qualityApi.start();
    started.push(qualityApi);

    started.push(streamsService);
    streamsService.start();
    LOG.info(
        "Feedback service RUNNING: management port {}, quality API port {}",
        management.port(),
        qualityApi.port());
  }

  /** The port of /health and /metrics. */
  public int managementPort() {
    return management.port();
  }

  /** The port of {@code GET /v1/quality/{model}}. */
  public int qualityPort() {
    return qualityApi.port();
  }

  /** The Streams application's state (null before start). */
  public KafkaStreams.State streamsState() {
    KafkaStreams current = streams;
    return current == null ? null : current.state();
  }

  @Override
  public synchronized void close() {
    while (!started.isEmpty()) {
      AutoCloseable part = started.pop();
      try {
        part.close();
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        LOG.warn("Closing {} failed: {}", part, e.toString());
      }
    }
  }

  private void fatal(Throwable error) {
    LOG.error("Kafka Streams failed; the client shuts down and liveness fails", error);
    onFatal.accept(error);
  }

  private void ensureTopics(Topics topics) {
    try (Admin admin = Admin.create(config.clients().adminConfig("topics"))) {
      short replication =
          (short) (config.replicationFactor() < 0 ? -1 : config.replicationFactor());
      requireCoPartitioned(TopicEnsurer.ensure(admin, topics, replication), topics);
    }
  }

  /**
   * The join finds a feedback event's prediction in the task of the same partition number, so the
   * two topics must have as many partitions (and the same partitioner, Kafka's default, on the
   * producing side). TopicEnsurer only reports a topic that differs from the catalogue; here a
   * difference would lose joins silently, so the service refuses to start.
   */
  private static void requireCoPartitioned(EnsureReport report, Topics topics) {
    int predictions = report.partitionsOf(topics.predictions());
    int feedback = report.partitionsOf(topics.feedback());
    if (predictions != feedback) {
      throw new IllegalStateException(
          "feedback is joined to predictions by partition, but "
              + topics.predictions().name()
              + " has "
              + predictions
              + " partitions and "
              + topics.feedback().name()
              + " has "
              + feedback
              + ": give both the same count");
    }
  }
}
