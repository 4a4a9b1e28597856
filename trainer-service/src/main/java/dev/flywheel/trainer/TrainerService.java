package dev.flywheel.trainer;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import dev.flywheel.common.kafka.KafkaClients;
import dev.flywheel.common.lifecycle.Service;
import dev.flywheel.common.lifecycle.ServiceRunner;
import dev.flywheel.common.management.CheckResult;
import dev.flywheel.common.management.HealthChecks;
import dev.flywheel.common.management.ManagementServer;
import dev.flywheel.common.metrics.Metrics;
import dev.flywheel.common.snapshot.ExampleSnapshotReader;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.TrainingFailed;
import dev.flywheel.events.TrainingProgress;
import dev.flywheel.schemas.EnsureReport;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.TopicEnsurer;
import dev.flywheel.schemas.Topics;
import dev.flywheel.slm.Devices;
import dev.flywheel.slm.store.ArtifactStores;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer service: a pool of {@link TrainingWorker}s in one consumer group on the
 * retrain-requests topic, turning requests into candidate models (or failure outcomes). Workers of
 * every process share the group, so adding processes or workers trains more models at once, and a
 * stopped worker's requests move to the others. {@link #start()} returns when every worker has
 * joined the group; readiness says the same, liveness goes down when a worker's polling thread
 * died.
 *
 * <p>Run it with {@link #main}: configuration from {@code FLYWHEEL_*} ({@link TrainerConfig}), the
 * management port serving {@code /health/live}, {@code /health/ready} and {@code /metrics}.
 */
public final class TrainerService implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(TrainerService.class);

  private final TrainerConfig config;
  private final MeterRegistry registry;
  private final HealthChecks health;
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final List<TrainingWorker> workers = new ArrayList<>();

  /**
   * A service that registers its meters in {@code registry} and its checks in {@code health}
   * (readiness {@code trainer-workers}, liveness {@code trainer-polling}).
   */
  public TrainerService(TrainerConfig config, MeterRegistry registry, HealthChecks health) {
    this.config = config;
    this.registry = registry;
    this.health = health;
  }

  /** Starts the trainer with its management server until the process is asked to stop. */
  public static void main(String[] args) {
    ServiceRunner.launch(
        "trainer",
        () -> {
          TrainerConfig config = TrainerConfig.fromEnvironment();
          HealthChecks health = new HealthChecks();
          return List.of(
              ManagementServer.builder()
                  .host(config.managementHost())
                  .port(config.managementPort())
                  .health(health)
                  .build(),
              new TrainerService(config, Metrics.registry(), health));
        });
  }

  @Override
  public String name() {
    return "trainer";
  }

  @Override
  public void start() throws Exception {
    try {
      startParts();
    } catch (Exception | Error e) {
      // The runner closes only what started; a half-started trainer releases its parts itself.
      close();
      throw e;
    }
  }

  private void startParts() throws Exception {
    KafkaClients clients = config.kafka();
    SchemaRegistryClient registryClient = SchemaRegistryClient.create(config.registryUrl());
    resources.add(registryClient);
    Topics topics = Topics.create(config.topicPrefix(), registryClient);
    Admin admin = clients.admin("admin");
    resources.add(admin);
    ensureTopics(admin, topics, clients.replicationFactor());
    Duration timeout = config.readTimeout();
    LatestByKey<ModelSpec> specs =
        keep(
            new LatestByKey<>(
                new TopicFollower<>(topics.modelSpecs(), views(clients), admin, false, timeout)));
    LatestByKey<ModelReleased> releases =
        keep(
            new LatestByKey<>(
                new TopicFollower<>(topics.releases(), views(clients), admin, false, timeout)));
    OutcomeLedger ledger =
        keep(
            new OutcomeLedger(
                new TopicFollower<ModelCandidate>(
                    topics.candidates(), views(clients), admin, true, timeout),
                new TopicFollower<TrainingFailed>(
                    topics.trainingFailures(), views(clients), admin, true, timeout)));
    Topic<String, TrainingProgress> progressTopic = topics.trainingProgress();
    KafkaProducer<String, TrainingProgress> progressProducer =
        clients.producer(
            "progress", new StringSerializer(), progressTopic.valueSerde().serializer());
    resources.add(() -> progressProducer.close(Duration.ofSeconds(5)));
    Device device = Devices.select(config.device());
    TrainerMetrics metrics = new TrainerMetrics(registry, device.toString(), gpuMemory(device));
    RunContext ctx =
        new RunContext(
            config,
            topics,
            specs,
            releases,
            ledger,
            new Artifacts(ArtifactStores.forUri(config.artifactStore())),
            new ProgressPublisher(progressProducer, progressTopic, Clock.systemUTC()),
            metrics,
            device.toString(),
            Clock.systemUTC());
    for (int i = 0; i < config.workers(); i++) {
      TrainingWorker worker = new TrainingWorker(config.instanceId() + "-" + i, ctx, clients);
      workers.add(worker);
      worker.start();
    }
    health.readiness(
        "trainer-workers",
        () -> {
          long ready = workers.stream().filter(TrainingWorker::isReady).count();
          String detail = ready + "/" + workers.size() + " workers in group " + config.groupId();
          return ready == workers.size() ? CheckResult.up(detail) : CheckResult.down(detail);
        });
    health.liveness(
        "trainer-polling",
        () ->
            workers.stream()
                .filter(w -> w.failure().isPresent())
                .findFirst()
                .map(w -> CheckResult.down(w.id() + ": " + w.failure().get()))
                .orElse(CheckResult.up("polling")));
    LOG.info(
        "trainer: {} worker(s) in group {} on {}, training on {}",
        workers.size(),
        config.groupId(),
        topics.retrainRequests().name(),
        device);
  }

  /** Settings of one groupless view consumer (each gets its own client id). */
  private Map<String, Object> views(KafkaClients clients) {
    return ExampleSnapshotReader.consumerConfig(clients.consumerConfig("views", config.groupId()));
  }

  private static void ensureTopics(Admin admin, Topics topics, int replicationFactor) {
    short factor = (short) (replicationFactor < 1 ? -1 : replicationFactor);
    EnsureReport report = TopicEnsurer.ensure(admin, topics, factor);
    if (!report.isClean()) {
      LOG.warn("trainer: topics differ from the catalogue: {}", report.mismatches());
    }
  }

  private static LongSupplier gpuMemory(Device device) {
    if (!device.isGpu()) {
      return null;
    }
    return () -> CudaUtils.getGpuMemory(device).getUsed();
  }

  private <T extends AutoCloseable> T keep(T resource) {
    resources.add(resource);
    return resource;
  }

  /** The workers of this process (for tests in this package). */
  List<TrainingWorker> workers() {
    return List.copyOf(workers);
  }

  /**
   * Closes every worker (each lets its current epoch end and be checkpointed, within the shutdown
   * timeout, then leaves the group), then the shared clients.
   */
  @Override
  public void close() {
    health.removeReadiness("trainer-workers");
    List<Thread> closers = new ArrayList<>();
    for (TrainingWorker worker : workers) {
      Thread t = new Thread(worker::close, "close-" + worker.name());
      t.start();
      closers.add(t);
    }
    for (Thread t : closers) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        LOG.warn("trainer: interrupted while workers were closing");
        break;
      }
    }
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        LOG.warn("trainer: closing a resource failed: {}", e.toString());
      }
    }
    resources.clear();
    workers.clear();
  }
}
