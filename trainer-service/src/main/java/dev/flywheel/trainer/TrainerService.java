package dev.flywheel.trainer;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import dev.flywheel.common.kafka.KafkaClients;
import dev.flywheel.common.service.Parts;
import dev.flywheel.common.service.ServiceDefinition;
import dev.flywheel.common.service.ServiceSkeleton;
import dev.flywheel.events.TrainingProgress;
import dev.flywheel.schemas.Topic;
import dev.flywheel.slm.Devices;
import dev.flywheel.slm.store.ArtifactStores;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer service: a pool of {@link TrainingWorker}s in one consumer group on the
 * retrain-requests topic, turning requests into candidate models (or failure outcomes), on the
 * service skeleton. Workers of every process share the group, so adding processes or workers trains
 * more models at once, and a stopped worker's requests move to the others. {@link #start()} returns
 * when every worker has joined the group; readiness ({@code trainer-workers}) says the same,
 * liveness ({@code trainer-polling}) goes down when a worker's polling thread died.
 */
public final class TrainerService extends ServiceSkeleton<TrainerConfig> {
  /** The service's name in logs and exit lines. */
  public static final String NAME = "trainer";

  /** What the trainer is, for {@code main} and the all-in-one platform. */
  public static final ServiceDefinition<TrainerConfig, TrainerService> DEFINITION =
      new ServiceDefinition<>(NAME, TrainerConfig.SPEC, TrainerConfig::from, TrainerService::new);

  private static final Logger LOG = LoggerFactory.getLogger(TrainerService.class);

  private volatile WorkerPool pool;

  /** A trainer that registers its meters in {@code registry}. */
  public TrainerService(TrainerConfig config, PrometheusMeterRegistry registry) {
    super(NAME, config, registry);
  }

  /** Starts the trainer with its management server until the process is asked to stop. */
  public static void main(String[] args) {
    DEFINITION.main();
  }

  @Override
  protected void assemble(Parts parts) throws Exception {
    KafkaClients clients = parts.kafkaClients();
    Admin admin = parts.add("admin", clients.admin("admin"));
    Device device = Devices.select(config().device());
    RunContext ctx = runContext(parts, admin, device);
    WorkerPool workers = parts.start(new WorkerPool(config(), ctx, clients));
    pool = workers;
    parts.health().readiness("trainer-workers", workers::ready);
    parts.health().liveness("trainer-polling", workers::polling);
    LOG.info(
        "trainer: {} worker(s) in group {} on {}, training on {}",
        workers.workers().size(),
        config().groupId(),
        parts.topics().retrainRequests().name(),
        device);
  }

  /** What every run reads and writes: the views, the artifact store, progress, metrics. */
  private RunContext runContext(Parts parts, Admin admin, Device device) {
    TrainerViews views = TrainerViews.open(config(), parts, admin);
    Topic<String, TrainingProgress> progressTopic = parts.topics().trainingProgress();
    KafkaProducer<String, TrainingProgress> progressProducer =
        parts
            .kafkaClients()
            .producer("progress", new StringSerializer(), progressTopic.valueSerde().serializer());
    parts.add("progress-producer", () -> progressProducer.close(Duration.ofSeconds(5)));
    return new RunContext(
        config(),
        parts.topics(),
        views.specs(),
        views.releases(),
        views.ledger(),
        new Artifacts(ArtifactStores.forUri(config().artifactStore())),
        new ProgressPublisher(progressProducer, progressTopic, Clock.systemUTC()),
        new TrainerMetrics(parts.metrics(), device.toString(), gpuMemory(device)),
        device.toString(),
        Clock.systemUTC());
  }

  private static LongSupplier gpuMemory(Device device) {
    if (!device.isGpu()) {
      return null;
    }
    return () -> CudaUtils.getGpuMemory(device).getUsed();
  }

  /** The workers of this process (for tests in this package). */
  List<TrainingWorker> workers() {
    WorkerPool current = pool;
    return current == null ? List.of() : current.workers();
  }
}
