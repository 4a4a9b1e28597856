package dev.flywheel.trainer;

import dev.flywheel.common.kafka.KafkaClients;
import dev.flywheel.common.lifecycle.Service;
import dev.flywheel.common.management.CheckResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TrainingWorker}s of this process, one component: started one after the other (each
 * returns once it joined the group), closed all at once, since each lets its current epoch end and
 * be checkpointed before it leaves the group.
 */
final class WorkerPool implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);

  private final TrainerConfig config;
  private final RunContext ctx;
  private final KafkaClients clients;
  private final List<TrainingWorker> workers = new ArrayList<>();
  private volatile boolean closed;
  private volatile Consumer<Throwable> onFatal = e -> {};

  WorkerPool(TrainerConfig config, RunContext ctx, KafkaClients clients) {
    this.config = config;
    this.ctx = ctx;
    this.clients = clients;
  }

  @Override
  public String name() {
    return "trainer-workers";
  }

  /** Told when a worker's polling thread dies: the trainer fails, as one worker is gone. */
  @Override
  public void onFatal(Consumer<Throwable> handler) {
    this.onFatal = Objects.requireNonNull(handler, "handler");
  }

  @Override
  public void start() throws Exception {
    for (int i = 0; i < config.workers(); i++) {
      TrainingWorker worker = new TrainingWorker(config.instanceId() + "-" + i, ctx, clients);
      worker.onFatal(e -> onFatal.accept(e));
      synchronized (workers) {
        workers.add(worker);
      }
      worker.start();
    }
  }

  /** The workers (for tests in this package). */
  List<TrainingWorker> workers() {
    synchronized (workers) {
      return List.copyOf(workers);
    }
  }

  /** Readiness: every worker is in the group. */
  CheckResult ready() {
    List<TrainingWorker> all = workers();
    long ready = all.stream().filter(TrainingWorker::isReady).count();
    String detail = ready + "/" + all.size() + " workers in group " + config.groupId();
    return !closed && ready == all.size() ? CheckResult.up(detail) : CheckResult.down(detail);
  }

  /** Liveness: no worker's polling thread has died. */
  CheckResult polling() {
    return workers().stream()
        .filter(w -> w.failure().isPresent())
        .findFirst()
        .map(w -> CheckResult.down(w.id() + ": " + w.failure().get()))
        .orElse(CheckResult.up("polling"));
  }

  /** Closes every worker at once and waits for all of them. */
  @Override
  public void close() {
    closed = true;
    List<Thread> closers = new ArrayList<>();
    for (TrainingWorker worker : workers()) {
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
  }
}
