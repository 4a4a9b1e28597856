package dev.flywheel.feedback;

import dev.flywheel.common.kafka.KafkaHealthChecks;
import dev.flywheel.common.kafka.StreamsService;
import dev.flywheel.common.metrics.Metrics;
import dev.flywheel.common.service.Parts;
import dev.flywheel.common.service.ServiceDefinition;
import dev.flywheel.common.service.ServiceSkeleton;
import dev.flywheel.schemas.EnsureReport;
import dev.flywheel.schemas.Topics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The feedback service: runs {@link FeedbackTopology} as a Kafka Streams application with
 * exactly-once processing ({@code exactly_once_v2}) and the live-quality API, on the service
 * skeleton (topics, management server with readiness when Streams is RUNNING). {@link #start()}
 * returns once Streams is RUNNING. A stream thread's unexpected exception shuts the client down
 * ({@code SHUTDOWN_CLIENT}); liveness then fails and the process stops with a non-zero exit.
 */
public final class FeedbackService extends ServiceSkeleton<FeedbackConfig> {
  /** The service's name in logs, exit lines and dead-letter headers. */
  public static final String NAME = "feedback";

  /** What the feedback service is, for {@code main} and the all-in-one platform. */
  public static final ServiceDefinition<FeedbackConfig, FeedbackService> DEFINITION =
      new ServiceDefinition<>(
          NAME, FeedbackConfig.SPEC, FeedbackConfig::from, FeedbackService::new);

  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private volatile KafkaStreams streams;
  private volatile QualityApi qualityApi;

  /** A service reporting to {@code registry} (served on {@code /metrics}). */
  public FeedbackService(FeedbackConfig config, PrometheusMeterRegistry registry) {
    super(NAME, config, registry);
  }

  /**
   * As {@link #FeedbackService(FeedbackConfig, PrometheusMeterRegistry)}, told of a fatal error.
   */
  public FeedbackService(
      FeedbackConfig config, PrometheusMeterRegistry registry, Consumer<Throwable> onFatal) {
    this(config, registry);
    onFatal(onFatal);
  }

  /** Runs the service until it is stopped or fails; exits with an {@code ExitCodes} code. */
  public static void main(String[] args) {
    DEFINITION.main();
  }

  @Override
  protected void checkTopics(Topics topics, EnsureReport report) {
    CoPartitioning.require(report, topics);
  }

  @Override
  protected void assemble(Parts parts) throws Exception {
    FeedbackConfig config = config();
    FeedbackMetrics metrics = new FeedbackMetrics(parts.metrics());
    Properties props = config.kafkaClients().streamsConfig(config.applicationId());
    StreamsProperties.required(parts.topics(), metrics).forEach(props::put);
    KafkaStreams app =
        new KafkaStreams(FeedbackTopology.build(parts.topics(), config.settings(), metrics), props);
    streams = app;
    StreamsService streamsService =
        new StreamsService(
            "feedback-streams", app, config.startTimeout(), CLOSE_TIMEOUT, parts::fail);
    parts.add("streams-metrics", Metrics.bind(parts.metrics(), app));
    parts
        .health()
        .readiness("kafka-streams", KafkaHealthChecks.streamsRunning(app))
        .liveness("kafka-streams", KafkaHealthChecks.streamsAlive(app));
    qualityApi =
        parts.start(
            new QualityApi(
                () -> streams,
                config.httpHost(),
                config.httpPort(),
                config.apiKeys(),
                config.settings().qualityWindow()));
    parts.start(streamsService);
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
}
