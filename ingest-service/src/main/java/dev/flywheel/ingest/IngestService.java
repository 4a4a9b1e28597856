package dev.flywheel.ingest;

import dev.flywheel.common.config.ClientType;
import dev.flywheel.common.kafka.KafkaClients;
import dev.flywheel.common.kafka.KafkaHealthChecks;
import dev.flywheel.common.lifecycle.Service;
import dev.flywheel.common.lifecycle.ServiceRunner;
import dev.flywheel.common.management.CheckResult;
import dev.flywheel.common.management.HealthChecks;
import dev.flywheel.common.management.ManagementServer;
import dev.flywheel.common.metrics.Metrics;
import dev.flywheel.schemas.RegistryConfig;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.TopicEnsurer;
import dev.flywheel.schemas.Topics;
import io.micrometer.core.instrument.Tag;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest gateway: the app-facing HTTP API (feedback and examples in, predictions out, the
 * release stream, model sharing) and its management port. {@link #start()} returns when the API
 * listens, the registry view has caught up and the management server answers; {@link #close()}
 * stops everything in reverse order.
 *
 * <pre>{@code
 * try (IngestService ingest = new IngestService(IngestConfig.fromEnvironment())) {
 *   ingest.start();
 *   int port = ingest.httpPort();
 * }
 * }</pre>
 */
public final class IngestService implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(IngestService.class);
  private static final Duration KAFKA_CHECK_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REGISTRY_CATCH_UP = Duration.ofSeconds(60);

  /**
   * Gateway producer defaults: fail fast so a 503 comes in seconds when Kafka is away, and no
   * linger: every request waits for its acknowledgement, so lingering adds its whole delay to each
   * answer, while under load records still batch up behind the requests in flight.
   */
  private static final Map<String, Object> PRODUCER_DEFAULTS =
      Map.of(
          ProducerConfig.MAX_BLOCK_MS_CONFIG, 3_000,
          ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000,
          ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 8_000,
          ProducerConfig.LINGER_MS_CONFIG, 0);

  private final IngestConfig config;
  private final PrometheusMeterRegistry metrics;
  private final HealthChecks health = new HealthChecks();
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private volatile HttpApi api;
  private volatile ManagementServer management;

  /** A gateway that reports to the process-wide Prometheus registry. */
  public IngestService(IngestConfig config) {
    this(config, Metrics.registry());
  }

  /** A gateway that reports to {@code metrics} (tests, the all-in-one process). */
  public IngestService(IngestConfig config, PrometheusMeterRegistry metrics) {
    this.config = config;
    this.metrics = metrics;
  }

  /** Runs the gateway until the JVM is asked to stop. */
  public static void main(String[] args) {
    ServiceRunner.launch(
        "ingest", () -> List.of(new IngestService(IngestConfig.fromEnvironment())));
  }

  @Override
  public String name() {
    return "ingest";
  }

  @Override
  public void start() throws Exception {
    LOG.info("Starting the ingest gateway with {}", config);
    try {
      startComponents();
    } catch (Exception | Error e) {
      // A runner only closes components that started; release what this one opened.
      try {
        close();
      } catch (RuntimeException closeError) {
        e.addSuppressed(closeError);
      }
      throw e;
    }
  }

  private void startComponents() throws Exception {
    KafkaClients clients = config.kafkaClients();
    SchemaRegistryClient registryClient =
        new SchemaRegistryClient(RegistryConfig.of(config.registryUrl()));
    resources.push(registryClient);
    Topics topics = Topics.create(config.topicPrefix(), registryClient);

    Admin admin = clients.admin("gateway");
    resources.push(admin);
    TopicEnsurer.ensure(admin, topics, (short) config.replicationFactor());

    KafkaProducer<byte[], byte[]> kafkaProducer =
        new KafkaProducer<>(
            producerConfig(clients), new ByteArraySerializer(), new ByteArraySerializer());
    AutoCloseable producerMetrics =
        Metrics.bind(metrics, kafkaProducer, Tag.of("client", "gateway"));
    EventProducer producer =
        new EventProducer(
            kafkaProducer,
            config.maxInFlightRecords(),
            config.producerThreads(),
            config.producerQueue(),
            config.retryAfter(),
            metrics);
    resources.push(producer);
    resources.push(producerMetrics);

    RegistryView registry = new RegistryView();
    ServedModels served = new ServedModels();
    BundleFetcher fetcher = new BundleFetcher(config.artifactsUri());
    ModelSwapper swapper = new ModelSwapper(served, fetcher, config.servedModels(), metrics);
    resources.push(swapper);
    registry.addReleaseListener(swapper::onRelease);

    Map<String, Object> consumerProps = clients.consumerConfig("registry", "unused");
    consumerProps.remove(ConsumerConfig.GROUP_ID_CONFIG);
    RegistryFollower follower =
        new RegistryFollower(
            new KafkaConsumer<>(
                consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
            topics,
            registry,
            REGISTRY_CATCH_UP,
            metrics);
    resources.push(follower);
    follower.start();

    ActivityView activity = new ActivityView();
    Map<String, Object> activityProps = clients.consumerConfig("activity", "unused");
    activityProps.remove(ConsumerConfig.GROUP_ID_CONFIG);
    ActivityFollower activityFollower =
        new ActivityFollower(
            new KafkaConsumer<>(
                activityProps, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
            topics,
            activity,
            metrics);
    resources.push(activityFollower);
    activityFollower.start();
    HttpApi.Console console = new HttpApi.Console(ConsoleAssets.load(), activity);

    ThreadPoolExecutor inference =
        new ThreadPoolExecutor(
            config.inferenceThreads(),
            config.inferenceThreads(),
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(config.inferenceQueue()),
            EventProducer.named("flywheel-ingest-inference"),
            new ThreadPoolExecutor.AbortPolicy());
    resources.push(
        () -> {
          inference.shutdown();
          inference.awaitTermination(10, TimeUnit.SECONDS);
        });

    Vertx vertx = Vertx.vertx();
    resources.push(
        () -> vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    RateLimiter limiter =
        new RateLimiter(config.rateLimitPerSecond(), config.rateLimitBurst(), System::nanoTime);
    AtomicInteger openStreams = new AtomicInteger();
    metrics.gauge("flywheel.ingest.release.streams", openStreams);
    int instances = config.effectiveHttpInstances();
    // Instances share one port; -1 asks Vert.x for one random port shared by all of them.
    int port = config.httpPort() == 0 && instances > 1 ? -1 : config.httpPort();
    List<HttpApi> apis = new CopyOnWriteArrayList<>();
    vertx
        .deployVerticle(
            () -> {
              HttpApi instance =
                  new HttpApi(
                      config,
                      topics,
                      producer,
                      registry,
                      console,
                      served,
                      inference,
                      fetcher,
                      metrics,
                      limiter,
                      openStreams,
                      port);
              apis.add(instance);
              return instance;
            },
            new DeploymentOptions().setInstances(instances))
        .toCompletionStage()
        .toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
    HttpApi httpApi = apis.get(0);
    api = httpApi;

    List<String> topicNames = topics.all().stream().map(Topic::name).toList();
    health
        .liveness(
            "registry-follower",
            () -> follower.alive() ? CheckResult.up("following") : CheckResult.down("stopped"))
        .liveness(
            "activity-follower",
            () ->
                activityFollower.alive()
                    ? CheckResult.up("following")
                    : CheckResult.down("stopped"))
        .readiness(
            "http",
            () ->
                httpApi.port() > 0
                    ? CheckResult.up("listening on " + httpApi.port())
                    : CheckResult.down("not listening"))
        .readiness("models", () -> servingEveryRelease(swapper))
        .readiness("kafka", KafkaHealthChecks.clusterReachable(admin, KAFKA_CHECK_TIMEOUT))
        .readiness("topics", KafkaHealthChecks.topicsExist(admin, topicNames, KAFKA_CHECK_TIMEOUT));
    ManagementServer server =
        ManagementServer.builder()
            .vertx(vertx)
            .host(config.managementHost())
            .port(config.managementPort())
            .registry(metrics)
            .health(health)
            .build();
    server.start();
    management = server;
    resources.push(server);
    LOG.info(
        "Ingest gateway ready: API on port {}, management on port {}",
        httpApi.port(),
        server.port());
  }

  private static CheckResult servingEveryRelease(ModelSwapper swapper) {
    List<String> pending = swapper.pending();
    return pending.isEmpty()
        ? CheckResult.up("every released champion is loaded (or refused, see the logs)")
        : CheckResult.down("loading the released champion of " + String.join(", ", pending));
  }

  private Map<String, Object> producerConfig(KafkaClients clients) {
    Map<String, Object> props = clients.producerConfig("gateway");
    Map<String, Object> configured = config.kafka().getOrDefault(ClientType.PRODUCER, Map.of());
    PRODUCER_DEFAULTS.forEach(
        (key, value) -> {
          if (!configured.containsKey(key)) {
            props.put(key, value);
          }
        });
    return props;
  }

  /** The API port (after {@link #start()}). */
  public int httpPort() {
    HttpApi current = api;
    if (current == null) {
      throw new IllegalStateException("the ingest gateway is not started");
    }
    return current.port();
  }

  /** One of the API's server instances (tests). */
  HttpApi api() {
    return api;
  }

  /** The management port (after {@link #start()}). */
  public int managementPort() {
    ManagementServer current = management;
    if (current == null) {
      throw new IllegalStateException("the ingest gateway is not started");
    }
    return current.port();
  }

  /**
   * Stops everything in reverse order of start; idempotent.
   *
   * @throws IllegalStateException when a part failed to close (after every part was tried)
   */
  @Override
  public void close() {
    IllegalStateException failure = null;
    while (!resources.isEmpty()) {
      AutoCloseable resource = resources.pop();
      try {
        resource.close();
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        LOG.warn("Closing {} failed: {}", resource, e.toString());
        if (failure == null) {
          failure = new IllegalStateException("the ingest gateway did not close cleanly", e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    api = null;
    management = null;
    if (failure != null) {
      throw failure;
    }
  }
}
