package dev.flywheel.trainer;

import dev.flywheel.common.kafka.KafkaClients;
import dev.flywheel.common.kafka.TransactionalProcessor;
import dev.flywheel.common.lifecycle.Service;
import dev.flywheel.common.snapshot.ExampleSnapshotReader;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.events.TrainingFailed;
import dev.flywheel.schemas.Topic;
import dev.flywheel.trainer.TrainerMetrics.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training worker: a consumer in the trainer group on the retrain-requests topic, a training
 * thread, and a transactional producer. The polling thread never trains: it hands a {@link Claim}
 * to the training thread, pauses its partitions and keeps polling (so the group keeps it however
 * long training takes), and when the run ends publishes the outcome and commits the request offsets
 * in one transaction. A run whose partition is revoked is abandoned without publishing; the next
 * owner resumes it from its last checkpoint. {@link #close()} lets the current epoch finish and be
 * checkpointed (or the whole run, if it is the last epoch) within the shutdown timeout, then leaves
 * the group.
 */
final class TrainingWorker implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingWorker.class);
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration ABANDON_GRACE = Duration.ofSeconds(15);
  static final String SERVICE = "trainer";

  private final String id;
  private final RunContext ctx;
  private final KafkaClients clients;
  private final PendingRequests pending = new PendingRequests();
  private final CountDownLatch joined = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicLong lag = new AtomicLong();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final AtomicReference<InFlight> inFlight = new AtomicReference<>();
  private volatile Set<TopicPartition> owned = Set.of();
  private volatile boolean closing;
  private volatile Consumer<Throwable> onFatal = e -> {};
  private volatile Instant closeDeadline;
  private KafkaConsumer<byte[], byte[]> consumer;
  private KafkaProducer<byte[], byte[]> producer;
  private TransactionalProcessor processor;
  private ExampleSnapshotReader snapshots;
  private ExecutorService trainer;
  private Thread poller;

  /** A run on the training thread, and whether its partition has left this worker meanwhile. */
  private static final class InFlight {
    final TrainingRun run;
    final Future<RunOutcome> future;
    volatile boolean revoked;

    InFlight(TrainingRun run, Future<RunOutcome> future) {
      this.run = run;
      this.future = future;
    }
  }

  TrainingWorker(String id, RunContext ctx, KafkaClients clients) {
    this.id = id;
    this.ctx = ctx;
    this.clients = clients;
  }

  @Override
  public String name() {
    return "trainer-worker-" + id;
  }

  /** Called once with the error that ends the polling thread (after {@link #failure()} is set). */
  @Override
  public void onFatal(Consumer<Throwable> handler) {
    this.onFatal = Objects.requireNonNull(handler, "handler");
  }

  String id() {
    return id;
  }

  /** Joined the group, polling, and not closing. */
  boolean isReady() {
    return joined.getCount() == 0 && stopped.getCount() == 1 && !closing;
  }

  /** Whether the polling thread ended with an error. */
  Optional<Throwable> failure() {
    return Optional.ofNullable(failure.get());
  }

  /** Requests waiting in this worker's partitions. */
  long queueLag() {
    return lag.get();
  }

  /** The partitions of the requests topic this worker owns now. */
  Set<TopicPartition> ownedPartitions() {
    return owned;
  }

  /** The request being trained now, if any. */
  Optional<String> currentRequest() {
    InFlight f = inFlight.get();
    return f == null ? Optional.empty() : Optional.of(f.run.claim().head().id());
  }

  @Override
  public void start() throws Exception {
    try {
      startClients();
    } catch (Exception | Error e) {
      if (poller == null) {
        closeQuietly(this::shutdownClients, "clients");
      }
      throw e;
    }
  }

  private void startClients() throws Exception {
    Map<String, Object> consumerConfig = clients.consumerConfig("requests", ctx.config().groupId());
    consumerConfig.put(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        CooperativeStickyAssignor.class.getName());
    consumer =
        new KafkaConsumer<>(
            consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    producer = newProducer();
    processor =
        new TransactionalProcessor(
            producer,
            consumer,
            SERVICE,
            ctx.topics().deadLetters().name(),
            ctx.clock(),
            ctx.config().retryBackoff(),
            (record, error) -> {});
    Topic<String, LabeledExample> examples = ctx.topics().examples();
    snapshots =
        ExampleSnapshotReader.create(
            clients.consumerConfig("snapshot", ctx.config().groupId()),
            examples.valueSerde().deserializer(),
            ctx.config().readTimeout());
    trainer =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "trainer-" + id + "-training");
              t.setDaemon(true);
              return t;
            });
    ctx.metrics().queueLag(id, lag::get);
    consumer.subscribe(List.of(ctx.topics().retrainRequests().name()), new Rebalance());
    poller = new Thread(this::pollLoop, "trainer-" + id + "-poll");
    poller.start();
    long waitMs = ctx.config().readTimeout().toMillis();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
    while (!joined.await(100, TimeUnit.MILLISECONDS)) {
      if (stopped.getCount() == 0 || System.nanoTime() - deadline > 0) {
        Throwable cause = failure.get();
        throw new IllegalStateException(
            name() + " did not join group " + ctx.config().groupId() + " in time", cause);
      }
    }
    LOG.info("worker {}: joined group {}", id, ctx.config().groupId());
  }

  private KafkaProducer<byte[], byte[]> newProducer() {
    String transactionalId = ctx.config().groupId() + "-" + id;
    KafkaProducer<byte[], byte[]> p =
        clients.transactionalProducer(
            "outcomes", transactionalId, new ByteArraySerializer(), new ByteArraySerializer());
    p.initTransactions();
    return p;
  }

  private void pollLoop() {
    try {
      while (true) {
        InFlight current = inFlight.get();
        if (closing && (current == null || current.future.isDone())) {
          if (current != null) {
            finish(current);
          }
          break;
        }
        if (closing && ctx.clock().instant().isAfter(closeDeadline) && !current.revoked) {
          LOG.warn("worker {}: shutdown timeout, abandoning {}", id, current.run.claim().head());
          current.run.abandon();
          current.future.get(ABANDON_GRACE.toMillis(), TimeUnit.MILLISECONDS);
          finish(current);
          break;
        }
        try {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
            pending.add(decode(record));
          }
        } catch (WakeupException runEnded) {
          // A run ended: publish its outcome now rather than when the poll times out.
        }
        if (current != null && current.future.isDone()) {
          finish(current);
          current = null;
        }
        if (current == null && !closing) {
          startNext();
        }
        updateLag();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (TimeoutException e) {
      LOG.warn("worker {}: the abandoned run did not stop within {}", id, ABANDON_GRACE);
    } catch (Throwable t) {
      failure.set(t);
      LOG.error("worker {}: polling stopped by an error", id, t);
      onFatal.accept(t); // e.g. the producer fenced: the service fails, as the evaluator does
    } finally {
      shutdownClients();
      stopped.countDown();
    }
  }

  private Request decode(ConsumerRecord<byte[], byte[]> record) {
    try {
      if (record.value() == null) {
        return Request.poison(record, new IllegalArgumentException("empty retrain request"));
      }
      RetrainRequested value =
          ctx.topics()
              .retrainRequests()
              .valueSerde()
              .deserializer()
              .deserialize(record.topic(), record.headers(), record.value());
      if (value.getModel().isBlank() || value.getRequestId().isBlank()) {
        return Request.poison(
            record, new IllegalArgumentException("request without a model or a request id"));
      }
      return Request.decoded(record, value);
    } catch (RuntimeException e) {
      return Request.poison(record, e);
    }
  }

  private void startNext() {
    Optional<Claim> next = pending.next(ctx.clock().instant());
    if (next.isEmpty()) {
      consumer.resume(consumer.assignment());
      return;
    }
    Claim claim = next.get();
    if (claim.isPoison()) {
      deadLetterPoison(claim);
      return;
    }
    TrainingRun run = new TrainingRun(claim, ctx, snapshots, id);
    consumer.pause(consumer.assignment());
    ctx.metrics().runStarted();
    LOG.info(
        "worker {}: claimed request {} for {} at {}@{}{}",
        id,
        claim.head().id(),
        claim.model(),
        claim.partition(),
        claim.head().offset(),
        claim.coalesced().isEmpty() ? "" : ", coalescing " + claim.coalescedIds());
    inFlight.set(
        new InFlight(
            run,
            trainer.submit(
                () -> {
                  try {
                    return run.call();
                  } finally {
                    consumer.wakeup();
                  }
                })));
  }

  private void finish(InFlight done) throws InterruptedException {
    inFlight.set(null);
    Claim claim = done.run.claim();
    Duration took = Duration.between(done.run.started(), ctx.clock().instant());
    RunOutcome outcome;
    try {
      outcome = done.future.get();
    } catch (ExecutionException e) {
      LOG.error("worker {}: run of {} died", id, claim.head(), e.getCause());
      outcome = new RunOutcome.Cancelled("run died: " + e.getCause());
    }
    TopicPartition tp = claim.partition();
    if (done.revoked || !consumer.assignment().contains(tp)) {
      LOG.info("worker {}: {} no longer owned, its outcome is dropped", id, claim.head());
      ctx.metrics().runEnded(Outcome.CANCELLED, took);
      return;
    }
    consumer.resume(consumer.assignment());
    if (outcome instanceof RunOutcome.Cancelled cancelled) {
      LOG.info("worker {}: run of {} stopped: {}", id, claim.head(), cancelled.why());
      ctx.metrics().runEnded(Outcome.CANCELLED, took);
      rewind(claim, ctx.clock().instant());
      return;
    }
    if (outcome instanceof RunOutcome.Failed failed && failed.retry()) {
      boolean published = transact(List.of(failureRecord(failed.failure())), Map.of());
      ctx.metrics().runEnded(published ? Outcome.RETRIED : Outcome.CANCELLED, took);
      rewind(claim, ctx.clock().instant().plus(ctx.config().retryBackoff()));
      return;
    }
    commitServed(claim, outcome, took);
  }

  /**
   * Publishes the outcome of a served claim (a candidate, a final failure with its requests
   * dead-lettered if so, or nothing when skipped) and commits its requests, in one transaction.
   */
  private void commitServed(Claim claim, RunOutcome outcome, Duration took) {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    Outcome kind;
    if (outcome instanceof RunOutcome.Trained trained) {
      records.add(candidateRecord(trained.candidate()));
      kind = Outcome.CANDIDATE;
    } else if (outcome instanceof RunOutcome.Failed failed) {
      records.add(failureRecord(failed.failure()));
      kind = Outcome.FAILED;
      if (failed.failure().getDeadLettered()) {
        Throwable cause =
            failed.cause() != null
                ? failed.cause()
                : new IllegalStateException(failed.failure().getMessage());
        for (Request r : claim.all()) {
          records.add(processor.deadLetterRecord(r.record(), cause));
        }
        kind = Outcome.DEAD_LETTERED;
      }
    } else {
      kind = Outcome.SKIPPED;
    }
    OptionalLong commit = pending.complete(claim);
    Map<TopicPartition, OffsetAndMetadata> offsets =
        commit.isPresent()
            ? Map.of(claim.partition(), new OffsetAndMetadata(commit.getAsLong()))
            : Map.of();
    if (transact(records, offsets)) {
      ctx.metrics().runEnded(kind, took);
      LOG.info("worker {}: {} -> {} committed", id, claim.head(), kind.tag());
    } else {
      ctx.metrics().runEnded(Outcome.CANCELLED, took);
      rewind(claim, ctx.clock().instant());
    }
  }

  private void deadLetterPoison(Claim claim) {
    OptionalLong commit = pending.complete(claim);
    Map<TopicPartition, OffsetAndMetadata> offsets =
        commit.isPresent()
            ? Map.of(claim.partition(), new OffsetAndMetadata(commit.getAsLong()))
            : Map.of();
    Request head = claim.head();
    LOG.warn("worker {}: dead-lettering undecodable {}: {}", id, head, head.poison().toString());
    if (transact(List.of(processor.deadLetterRecord(head.record(), head.poison())), offsets)) {
      ctx.metrics().count(Outcome.DEAD_LETTERED);
    } else {
      rewind(claim, ctx.clock().instant());
    }
  }

  /**
   * Publishes records and commits offsets in one transaction.
   *
   * @return false when the transaction was aborted (e.g. this worker lost the partition and the
   *     group refused the offsets): nothing of it is visible then
   * @throws org.apache.kafka.common.KafkaException a fatal error: polling stops and the worker
   *     fails (see {@link TransactionalProcessor})
   */
  private boolean transact(
      List<ProducerRecord<byte[], byte[]>> records,
      Map<TopicPartition, OffsetAndMetadata> offsets) {
    return processor.tryCommit(records, offsets);
  }

  /** Forgets the claim's partition's pending requests and reads them again from its head. */
  private void rewind(Claim claim, Instant notBefore) {
    TopicPartition tp = claim.partition();
    pending.rewind(tp, notBefore);
    if (consumer.assignment().contains(tp)) {
      consumer.seek(tp, claim.head().offset());
    }
  }

  private ProducerRecord<byte[], byte[]> candidateRecord(ModelCandidate candidate) {
    return TransactionalProcessor.record(
        ctx.topics().candidates(), candidate.getModel().getModel(), candidate);
  }

  private ProducerRecord<byte[], byte[]> failureRecord(TrainingFailed failed) {
    return TransactionalProcessor.record(
        ctx.topics().trainingFailures(), failed.getModel(), failed);
  }

  private void updateLag() {
    long waiting = pending.size();
    for (TopicPartition tp : consumer.assignment()) {
      OptionalLong l = consumer.currentLag(tp);
      if (l.isPresent()) {
        waiting += l.getAsLong();
      }
    }
    InFlight current = inFlight.get();
    lag.set(
        current == null
            ? waiting
            : Math.max(0, waiting - 1 - current.run.claim().coalesced().size()));
  }

  private void shutdownClients() {
    InFlight left = inFlight.getAndSet(null);
    if (left != null) {
      left.run.abandon();
    }
    if (trainer != null) {
      trainer.shutdownNow();
    }
    if (consumer != null) {
      closeQuietly(() -> consumer.close(CloseOptions.timeout(Duration.ofSeconds(10))), "consumer");
    }
    if (producer != null) {
      closeQuietly(() -> producer.close(Duration.ofSeconds(10)), "producer");
    }
    if (snapshots != null) {
      closeQuietly(snapshots::close, "snapshot reader");
    }
  }

  private void closeQuietly(Runnable close, String what) {
    try {
      close.run();
    } catch (RuntimeException e) {
      LOG.warn("worker {}: closing the {} failed: {}", id, what, e.toString());
    }
  }

  /**
   * Stops taking new requests, lets the run in progress finish its epoch (and its checkpoint) or
   * the whole run within the shutdown timeout, publishes what finished, then leaves the group.
   */
  @Override
  public void close() {
    if (poller == null) {
      return;
    }
    closeDeadline = ctx.clock().instant().plus(ctx.config().shutdownTimeout());
    closing = true;
    InFlight current = inFlight.get();
    if (current != null) {
      current.run.stopAfterEpoch();
    }
    long waitMs = ctx.config().shutdownTimeout().plus(ABANDON_GRACE).plusSeconds(15).toMillis();
    try {
      if (!stopped.await(waitMs, TimeUnit.MILLISECONDS)) {
        LOG.warn("worker {}: did not stop within {} ms", id, waitMs);
        poller.interrupt();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      poller.interrupt();
    }
  }

  /** Reacts to partitions moving between workers. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      let(partitions, "revoked");
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      let(partitions, "lost");
    }

    private void let(Collection<TopicPartition> partitions, String how) {
      if (partitions.isEmpty()) {
        return;
      }
      InFlight current = inFlight.get();
      if (current != null && partitions.contains(current.run.claim().partition())) {
        LOG.info("worker {}: {} {}, abandoning its run", id, current.run.claim().partition(), how);
        current.revoked = true;
        current.run.abandon();
      }
      pending.drop(partitions);
      Set<TopicPartition> now = new HashSet<>(owned);
      now.removeAll(partitions);
      owned = Set.copyOf(now);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (inFlight.get() != null) {
        consumer.pause(partitions);
      }
      if (!partitions.isEmpty()) {
        LOG.info("worker {}: assigned {}", id, partitions);
      }
      Set<TopicPartition> now = new HashSet<>(owned);
      now.addAll(partitions);
      owned = Set.copyOf(now);
      joined.countDown();
    }
  }
}
