package dev.flywheel.evaluator;

import dev.flywheel.common.kafka.KafkaClients;
import dev.flywheel.common.kafka.TransactionalProcessor;
import dev.flywheel.common.lifecycle.CloseStack;
import dev.flywheel.common.lifecycle.Lifecycle;
import dev.flywheel.common.lifecycle.Service;
import dev.flywheel.common.lifecycle.State;
import dev.flywheel.common.management.HealthCheck;
import dev.flywheel.common.metrics.Metrics;
import dev.flywheel.common.snapshot.ExampleSnapshotReader;
import dev.flywheel.events.Decision;
import dev.flywheel.events.EvaluationCompleted;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ReleaseRequested;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.Topics;
import dev.flywheel.slm.BundleException;
import dev.flywheel.slm.store.ArtifactStores;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluation loop, the evaluator service's one component: the champion/challenger gate. One
 * loop thread consumes candidates and admin release requests (read_committed, in the evaluator's
 * group) and writes each decision, any release and the consumed offset in one transaction, so every
 * candidate gets exactly one decision even across crashes. Beside it, the loop follows specs,
 * releases, candidates and live quality from their beginning (see {@link StateView}) and rolls a
 * newly promoted champion back when its live accuracy is significantly below its predecessor's
 * ({@link RollbackRule}).
 *
 * <p>Run one instance per installation: the champion state is per process, and two instances
 * deciding about one model at once could both release.
 */
public final class EvaluationLoop implements Service {

  private static final Logger LOG = LoggerFactory.getLogger(EvaluationLoop.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);
  private static final Duration LOOP_STOP_TIMEOUT = Duration.ofSeconds(30);
  static final String SERVICE = EvaluatorService.NAME;

  private final EvaluatorConfig config;
  private final Topics topics;
  private final KafkaClients clients;
  private final EvaluatorMetrics metrics;
  private final MeterRegistry registry;
  private final Clock clock;
  private final Lifecycle lifecycle = new Lifecycle(SERVICE);
  private final CompletableFuture<Void> assigned = new CompletableFuture<>();
  private final CloseStack resources = new CloseStack(SERVICE);
  private volatile Consumer<Throwable> onFatal = e -> {};
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean closing;
  private volatile Throwable failure;

  private KafkaProducer<byte[], byte[]> producer;
  private KafkaConsumer<byte[], byte[]> consumer;
  private StateView state;
  private CandidateJudge judge;
  private Artifacts artifacts;
  private TransactionalProcessor processor;
  private Thread loop;

  /**
   * An evaluator for the installation named by {@code topics}.
   *
   * @param registry where the evaluator's meters and its Kafka clients' metrics go
   */
  public EvaluationLoop(EvaluatorConfig config, Topics topics, MeterRegistry registry) {
    this(config, topics, registry, Clock.systemUTC());
  }

  EvaluationLoop(EvaluatorConfig config, Topics topics, MeterRegistry registry, Clock clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.topics = Objects.requireNonNull(topics, "topics");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.clients = config.kafkaClients();
    this.metrics =
        new EvaluatorMetrics(
            registry, List.of(topics.candidates().name(), topics.releaseRequests().name()));
  }

  /** Called once with the error when the loop stops on a fatal error (e.g. the producer fenced). */
  @Override
  public void onFatal(Consumer<Throwable> handler) {
    this.onFatal = Objects.requireNonNull(handler, "handler");
  }

  @Override
  public String name() {
    return SERVICE;
  }

  /** The lifecycle state: RUNNING once state is rebuilt and the consumer has its partitions. */
  public State state() {
    return lifecycle.state();
  }

  /** Readiness: up while RUNNING. */
  public HealthCheck readiness() {
    return HealthCheck.stateIs(this::state, State.RUNNING);
  }

  /** Liveness: down once the loop has died of a fatal error. */
  public HealthCheck liveness() {
    return HealthCheck.of(() -> failure == null, "evaluation loop alive", "evaluation loop failed");
  }

  /**
   * Rebuilds the state from the topics (which must exist: the service skeleton ensures them),
   * starts the loop and returns once the consumer has been assigned its partitions.
   */
  @Override
  public void start() throws Exception {
    lifecycle.transition(State.NEW, State.STARTING);
    try {
      startComponents();
    } catch (Exception e) {
      close(); // release whatever did start; the caller reports the failure
      throw e;
    }
    if (!lifecycle.compareAndSet(State.STARTING, State.RUNNING)) {
      throw new IllegalStateException("evaluator closed while starting");
    }
  }

  private void startComponents() throws Exception {
    String transactionalId = config.groupId() + "-" + config.instanceId();
    producer =
        clients.transactionalProducer(
            "releases", transactionalId, new ByteArraySerializer(), new ByteArraySerializer());
    KafkaProducer<byte[], byte[]> opened = producer;
    resources.push("producer", () -> opened.close(Duration.ofSeconds(10)));
    resources.push("producer-metrics", Metrics.bind(registry, producer));
    producer.initTransactions();
    rebuildState();
    ExampleSnapshotReader snapshots =
        ExampleSnapshotReader.create(
            clients.consumerConfig("snapshots", config.groupId()),
            topics.examples().valueSerde().deserializer(),
            config.stateTimeout());
    artifacts = new Artifacts(config.artifactsUri().map(ArtifactStores::forUri));
    judge =
        resources.push(
            "judge",
            new CandidateJudge(
                snapshots, artifacts, config.latencySamples(), () -> closing, metrics, clock));
    startLoop();
  }

  /** Reads specs, releases, candidates and live quality up to their end. */
  private void rebuildState() {
    Map<String, Object> stateProps = clients.consumerConfig("state", config.groupId());
    stateProps.remove(ConsumerConfig.GROUP_ID_CONFIG);
    state =
        resources.push(
            "state",
            new StateView(
                new KafkaConsumer<>(
                    stateProps, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                topics));
    state.catchUp(config.stateTimeout());
    for (String model : state.releases().models()) {
      state.releases().current(model).ifPresent(metrics::champion);
    }
  }

  /** Subscribes the consumer, starts the loop and waits until the consumer has partitions. */
  private void startLoop() throws InterruptedException {
    consumer =
        clients.consumer(
            "candidates",
            config.groupId(),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    resources.push("consumer", consumer);
    resources.push("consumer-metrics", Metrics.bind(registry, consumer));
    processor =
        new TransactionalProcessor(
            producer,
            consumer,
            SERVICE,
            topics.deadLetters().name(),
            clock,
            RETRY_BACKOFF,
            (record, error) -> metrics.deadLettered(record.topic()));
    consumer.subscribe(
        List.of(topics.candidates().name(), topics.releaseRequests().name()),
        new ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Nothing to commit: each record's offset is committed in its own transaction.
          }

          @Override
          public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.info("evaluator assigned {}", partitions);
            assigned.complete(null);
          }
        });
    loop = new Thread(this::runLoop, "flywheel-evaluator-loop");
    loop.start();
    try {
      assigned.get(config.stateTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "the evaluator's consumer got no partitions within " + config.stateTimeout(), e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("the evaluation loop failed while starting", e.getCause());
    }
  }

  private void runLoop() {
    try {
      checkRollbacks(state.releases().models());
      while (!closing) {
        state.refresh();
        checkRollbacks(state.drainTouched());
        if (!processor.pollAndProcess(POLL, this::handle, () -> closing)) {
          break;
        }
      }
    } catch (Throwable e) {
      if (!closing || !(e instanceof WakeupException)) {
        failure = e;
        assigned.completeExceptionally(e);
        LOG.error("evaluation loop failed: {}", e.toString(), e);
        lifecycle.fail();
        onFatal.accept(e);
      }
    }
  }

  private void handle(ConsumerRecord<byte[], byte[]> record) {
    if (record.topic().equals(topics.candidates().name())) {
      handleCandidate(record);
    } else {
      handleReleaseRequest(record);
    }
  }

  /**
   * The record's value, or empty once the record is settled: a tombstone just commits its offset, a
   * record that cannot be decoded goes to the dead-letter topic.
   */
  private <V> Optional<V> decodeOrSettle(
      ConsumerRecord<byte[], byte[]> record, Topic<String, V> topic) {
    V value;
    try {
      value =
          record.value() == null
              ? null
              : topic.valueSerde().deserializer().deserialize(record.topic(), record.value());
    } catch (SerializationException e) {
      processor.deadLetter(record, e);
      return Optional.empty();
    }
    if (value == null) {
      processor.commit(List.of(), record);
      return Optional.empty();
    }
    return Optional.of(value);
  }

  private void handleCandidate(ConsumerRecord<byte[], byte[]> record) {
    Optional<ModelCandidate> decoded = decodeOrSettle(record, topics.candidates());
    if (decoded.isEmpty()) {
      return;
    }
    ModelCandidate candidate = decoded.get();
    String model = candidate.getModel().getModel();
    Optional<ModelReleased> champion = state.releases().current(model);
    if (!state.hasSpec(model)) {
      LOG.warn(
          "no spec for model {}: judging v{} with the default gate policy",
          model,
          candidate.getModel().getVersion());
    }
    Optional<EvaluationCompleted> evaluation =
        judge.judge(candidate, state.policy(model), champion);
    if (evaluation.isEmpty()) {
      return; // cancelled by close(): nothing written, the offset stays uncommitted
    }
    EvaluationCompleted result = evaluation.get();
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
    out.add(TransactionalProcessor.record(topics.evaluations(), model, result));
    Optional<ModelReleased> release = Optional.empty();
    if (result.getDecision() == Decision.RELEASE) {
      release = Optional.of(Releases.promoted(candidate, result, champion, clock.instant()));
      out.add(TransactionalProcessor.record(topics.releases(), model, release.get()));
    }
    processor.commit(out, record);
    metrics.evaluated(
        result.getDecision(), result.getChecks(), Duration.ofMillis(result.getDurationMillis()));
    LOG.info(
        "{} v{}: {} ({})",
        model,
        candidate.getModel().getVersion(),
        result.getDecision(),
        String.join("; ", result.getReasons()));
    release.ifPresent(r -> released(r, false));
  }

  private void handleReleaseRequest(ConsumerRecord<byte[], byte[]> record) {
    Optional<ReleaseRequested> decoded = decodeOrSettle(record, topics.releaseRequests());
    if (decoded.isEmpty()) {
      return;
    }
    ReleaseRequested request = decoded.get();
    ModelReleased release;
    try {
      release = ManualRelease.resolve(request, state, clock.instant());
      verify(release);
    } catch (IllegalArgumentException e) {
      LOG.warn("release request {} refused: {}", request.getRequestId(), e.getMessage());
      processor.deadLetter(record, e);
      return;
    }
    processor.commit(
        List.of(TransactionalProcessor.record(topics.releases(), request.getModel(), release)),
        record);
    LOG.info(
        "{} v{} released by {} ({}): {}",
        request.getModel(),
        release.getModel().getVersion(),
        request.getRequestedBy(),
        release.getKind(),
        release.getReason());
    released(release, false);
  }

  /**
   * Refuses to release an artifact that does not match its sha256 (an admin may promote a candidate
   * the gate refused for exactly that reason).
   */
  private void verify(ModelReleased release) {
    try {
      artifacts.bundle(release.getArtifactUri(), release.getSha256());
    } catch (BundleException e) {
      throw new IllegalArgumentException(
          release.getModel().getModel()
              + " v"
              + release.getModel().getVersion()
              + ": artifact "
              + release.getArtifactUri()
              + " does not verify ("
              + e.reason()
              + "): "
              + e.getMessage(),
          e);
    }
  }

  private void checkRollbacks(Set<String> models) {
    for (String model : models) {
      Optional<ModelReleased> rollback = AutoRollback.decide(model, state, clock.instant());
      if (rollback.isEmpty()) {
        continue;
      }
      ModelReleased release = rollback.get();
      if (!processor.tryCommit(
          List.of(TransactionalProcessor.record(topics.releases(), model, release)), Map.of())) {
        // Nothing was released: look at this model again on the next turn of the loop.
        LOG.warn("{}: rollback to v{} failed; retrying", model, release.getModel().getVersion());
        state.touch(model);
        continue;
      }
      LOG.warn(
          "{}: rolled back from v{} to v{}: {} {}",
          model,
          release.getPreviousVersion(),
          release.getModel().getVersion(),
          release.getReason(),
          release.getEvidence());
      released(release, true);
    }
  }

  private void released(ModelReleased release, boolean automatic) {
    state.released(release);
    metrics.released(release, automatic);
    metrics.champion(release);
  }

  /**
   * Stops the loop (an evaluation in progress is abandoned, its candidate left uncommitted for the
   * next start), then closes the clients.
   */
  @Override
  public void close() throws Exception {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    State current = lifecycle.state();
    if (current == State.NEW) {
      lifecycle.compareAndSet(State.NEW, State.STOPPED);
    } else if (current == State.RUNNING || current == State.STARTING) {
      lifecycle.compareAndSet(current, State.STOPPING);
    }
    closing = true;
    if (consumer != null) {
      consumer.wakeup();
    }
    if (loop != null) {
      loop.join(LOOP_STOP_TIMEOUT.toMillis());
      if (loop.isAlive()) {
        LOG.warn(
            "evaluation loop still busy after {}; closing the clients anyway", LOOP_STOP_TIMEOUT);
      }
    }
    try {
      resources.close();
    } finally {
      lifecycle.compareAndSet(State.STOPPING, State.STOPPED);
    }
  }
}
