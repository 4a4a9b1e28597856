package dev.flywheel.trainer;

import dev.flywheel.events.DatasetSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores a run's per-epoch checkpoints in the artifact store off the training thread, so training
 * goes on while the previous epoch's checkpoint is being written. The file {@code slm} rewrites
 * each epoch is pinned with a hard link (no copy) that outlives the run's scratch directory,
 * uploads run one at a time in epoch order (the last one may finish after the run), and when
 * uploads fall behind only the newest waiting checkpoint is kept: a resumed run needs the latest
 * one, not every one.
 */
final class CheckpointUploader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointUploader.class);

  private final Artifacts artifacts;
  private final String model;
  private final String requestId;
  private final long runStart;
  private final DatasetSnapshot snapshot;
  private final IntConsumer stored;
  private final int finalEpoch;
  private final CompletableFuture<Void> finalGate = new CompletableFuture<>();
  private final ExecutorService executor;
  private Future<?> last;
  private Future<?> waiting;
  private AtomicBoolean waitingClaimed;
  private Path waitingFile;

  /**
   * @param finalEpoch the run's last planned epoch: its checkpoint waits for {@link
   *     #releaseFinal()}
   * @param stored called with the epoch after its checkpoint is stored (on the upload thread)
   */
  CheckpointUploader(
      Artifacts artifacts,
      String model,
      String requestId,
      long runStart,
      DatasetSnapshot snapshot,
      int finalEpoch,
      IntConsumer stored) {
    this.finalEpoch = finalEpoch;
    this.artifacts = artifacts;
    this.model = model;
    this.requestId = requestId;
    this.runStart = runStart;
    this.snapshot = snapshot;
    this.stored = stored;
    this.executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "checkpoints-" + requestId);
              t.setDaemon(true);
              return t;
            });
  }

  /** Pins the checkpoint file of {@code epoch} and queues its upload. */
  synchronized void submit(Path file, int epoch) {
    // Pinned beside the run's scratch directory, not in it: the run deletes its scratch directory
    // as soon as it ends, while the last upload may still be reading.
    Path scratch = file.toAbsolutePath().getParent();
    Path pinned =
        scratch.resolveSibling(scratch.getFileName() + "." + file.getFileName() + ".e" + epoch);
    try {
      try {
        Files.createLink(pinned, file);
      } catch (UnsupportedOperationException | IOException noLinks) {
        Files.copy(file, pinned, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      LOG.warn("request {}: checkpoint of epoch {} not kept: {}", requestId, epoch, e.toString());
      return;
    }
    dropWaiting();
    // Whoever claims first owns the pinned file: the upload when it starts, or dropWaiting. (A
    // FutureTask's cancel also succeeds while it runs, so it cannot tell the two apart.)
    AtomicBoolean claimed = new AtomicBoolean();
    waiting =
        executor.submit(
            () -> {
              if (claimed.compareAndSet(false, true)) {
                if (epoch >= finalEpoch) {
                  finalGate.join();
                }
                upload(pinned, epoch);
              }
            });
    waitingClaimed = claimed;
    waitingFile = pinned;
    last = waiting;
  }

  /** Cancels the upload that has not started yet, if any, and removes its pinned file. */
  private void dropWaiting() {
    if (waiting != null && waitingClaimed.compareAndSet(false, true)) {
      waiting.cancel(false);
      LOG.debug("request {}: a waiting checkpoint upload is dropped", requestId);
      delete(waitingFile);
    }
    waiting = null;
    waitingClaimed = null;
    waitingFile = null;
  }

  private void delete(Path pinned) {
    try {
      Files.deleteIfExists(pinned);
    } catch (IOException e) {
      LOG.debug("request {}: {} not deleted: {}", requestId, pinned, e.toString());
    }
  }

  private void upload(Path pinned, int epoch) {
    try {
      artifacts.saveCheckpoint(model, requestId, runStart, pinned, epoch, snapshot);
      stored.accept(epoch);
    } catch (RuntimeException e) {
      LOG.warn("request {}: checkpoint of epoch {} not stored: {}", requestId, epoch, e.toString());
    } finally {
      delete(pinned);
    }
  }

  /**
   * Lets the final epoch's checkpoint be stored. It waits until then because a run that ends well
   * stores its bundle right after the final epoch, with the same parameters: storing both at once
   * made each slower (two large writes and flushes, and a hash, against the run's last step). Every
   * other way out of the run releases it too.
   */
  void releaseFinal() {
    finalGate.complete(null);
  }

  /**
   * Waits until the newest submitted checkpoint is stored (or given up), at most {@code timeout}.
   */
  void awaitStored(Duration timeout) {
    releaseFinal();
    Future<?> newest;
    synchronized (this) {
      newest = last;
    }
    if (newest == null) {
      return;
    }
    try {
      newest.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (TimeoutException e) {
      LOG.warn("request {}: the last checkpoint was not stored within {}", requestId, timeout);
    } catch (java.util.concurrent.CancellationException
        | java.util.concurrent.ExecutionException e) {
      LOG.debug("request {}: last checkpoint upload: {}", requestId, e.toString());
    }
  }

  /**
   * For a run that ended well: uploads already submitted go on in the background (the last
   * checkpoint is stored too), then the upload thread ends.
   */
  void closeAfterUploads() {
    executor.shutdown();
  }

  /** Drops uploads not yet started; one in progress finishes on its own. */
  @Override
  public void close() {
    releaseFinal();
    executor.shutdown();
    synchronized (this) {
      dropWaiting();
    }
  }
}
