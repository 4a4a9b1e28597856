package dev.flywheel.ingest;

import dev.flywheel.common.config.ClientType;
import dev.flywheel.common.kafka.KafkaClients;
import dev.flywheel.common.kafka.KafkaHealthChecks;
import dev.flywheel.common.management.CheckResult;
import dev.flywheel.common.metrics.Metrics;
import dev.flywheel.common.service.Parts;
import dev.flywheel.schemas.Topic;
import dev.flywheel.slm.store.BundleFetcher;
import io.micrometer.core.instrument.Tag;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
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

/**
 * Opens the gateway's parts, one method each, and stacks every one on the service's {@link Parts}
 * as it opens, so a failure at any step closes what came before.
 */
final class GatewayParts {
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

  /** What the API's handlers are built on. */
  record Api(
      EventProducer producer,
      RegistryView registry,
      ActivityView activity,
      ServedModels served,
      BundleFetcher fetcher,
      ExecutorService inference) {}

  private final IngestConfig config;
  private final Parts parts;
  private final KafkaClients clients;

  GatewayParts(IngestConfig config, Parts parts) {
    this.config = config;
    this.parts = parts;
    this.clients = parts.kafkaClients();
  }

  /** The gateway producer with its metrics, bounded in flight. */
  EventProducer producer() {
    KafkaProducer<byte[], byte[]> kafkaProducer =
        new KafkaProducer<>(producerConfig(), new ByteArraySerializer(), new ByteArraySerializer());
    AutoCloseable producerMetrics =
        Metrics.bind(parts.metrics(), kafkaProducer, Tag.of("client", "gateway"));
    EventProducer producer =
        parts.add(
            "producer",
            new EventProducer(
                kafkaProducer,
                config.maxInFlightRecords(),
                config.producerThreads(),
                config.producerQueue(),
                config.retryAfter(),
                parts.metrics()));
    parts.add("producer-metrics", producerMetrics);
    return producer;
  }

  /** Loads each released champion into {@code served}. */
  ModelSwapper swapper(ServedModels served, BundleFetcher fetcher) {
    return parts.add(
        "model-swapper", new ModelSwapper(served, fetcher, config.servedModels(), parts.metrics()));
  }

  /** Follows the registry topics into {@code registry}; returns once caught up. */
  TopicsFollower registryFollower(RegistryView registry) throws Exception {
    return parts.start(
        new RegistryFollower(
            viewConsumer("registry"),
            parts.topics(),
            registry,
            REGISTRY_CATCH_UP,
            parts.metrics()));
  }

  /** Follows the activity topics into {@code activity}, for the console. */
  TopicsFollower activityFollower(ActivityView activity) throws Exception {
    return parts.start(
        new ActivityFollower(viewConsumer("activity"), parts.topics(), activity, parts.metrics()));
  }

  /** The bounded pool inference runs on, off the event loops. */
  ThreadPoolExecutor inference() {
    ThreadPoolExecutor inference =
        new ThreadPoolExecutor(
            config.inferenceThreads(),
            config.inferenceThreads(),
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(config.inferenceQueue()),
            EventProducer.named("flywheel-ingest-inference"),
            new ThreadPoolExecutor.AbortPolicy());
    parts.add(
        "inference-pool",
        () -> {
          inference.shutdown();
          inference.awaitTermination(10, TimeUnit.SECONDS);
        });
    return inference;
  }

  /** Deploys the API's server instances on one port; returns one of them once they listen. */
  HttpApi httpApi(Api deps) throws Exception {
    Vertx vertx = Vertx.vertx();
    parts.add(
        "vertx",
        () -> vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    HttpApi.Console console = new HttpApi.Console(ConsoleAssets.load(), deps.activity());
    RateLimiter limiter =
        new RateLimiter(config.rateLimitPerSecond(), config.rateLimitBurst(), System::nanoTime);
    AtomicInteger openStreams = new AtomicInteger();
    parts.metrics().gauge("flywheel.ingest.release.streams", openStreams);
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
                      parts.topics(),
                      deps.producer(),
                      deps.registry(),
                      console,
                      deps.served(),
                      deps.inference(),
                      deps.fetcher(),
                      parts.metrics(),
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
    return apis.get(0);
  }

  /** Liveness of the followers; readiness of the API, the models, Kafka and the topics. */
  void healthChecks(
      Admin admin,
      HttpApi httpApi,
      ModelSwapper swapper,
      TopicsFollower registryFollower,
      TopicsFollower activityFollower) {
    List<String> topicNames = parts.topics().all().stream().map(Topic::name).toList();
    parts
        .health()
        .liveness("registry-follower", () -> following(registryFollower))
        .liveness("activity-follower", () -> following(activityFollower))
        .readiness(
            "http",
            () ->
                httpApi.port() > 0
                    ? CheckResult.up("listening on " + httpApi.port())
                    : CheckResult.down("not listening"))
        .readiness("models", () -> servingEveryRelease(swapper))
        .readiness("kafka", KafkaHealthChecks.clusterReachable(admin, KAFKA_CHECK_TIMEOUT))
        .readiness("topics", KafkaHealthChecks.topicsExist(admin, topicNames, KAFKA_CHECK_TIMEOUT));
  }

  private static CheckResult following(TopicsFollower follower) {
    return follower.alive() ? CheckResult.up("following") : CheckResult.down("stopped");
  }

  private static CheckResult servingEveryRelease(ModelSwapper swapper) {
    List<String> pending = swapper.pending();
    return pending.isEmpty()
        ? CheckResult.up("every released champion is loaded (or refused, see the logs)")
        : CheckResult.down("loading the released champion of " + String.join(", ", pending));
  }

  /** A groupless consumer of one view: it reads from the beginning, commits nothing. */
  private KafkaConsumer<byte[], byte[]> viewConsumer(String role) {
    Map<String, Object> props = clients.consumerConfig(role, "unused");
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private Map<String, Object> producerConfig() {
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
}
