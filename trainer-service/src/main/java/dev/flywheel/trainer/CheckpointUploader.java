package dev.flywheel.trainer;

import dev.flywheel.events.DatasetSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores a run's per-epoch checkpoints in the artifact store off the training thread, so training
 * goes on while the previous epoch's checkpoint is being written. The file {@code slm} rewrites
 * each epoch is pinned with a hard link (no copy), uploads run one at a time in epoch order, and
 * when uploads fall behind only the newest waiting checkpoint is kept: a resumed run needs the
 * latest one, not every one.
 */
final class CheckpointUploader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointUploader.class);

  private final Artifacts artifacts;
  private final String model;
  private final String requestId;
  private final long runStart;
  private final DatasetSnapshot snapshot;
  private final IntConsumer stored;
  private final ExecutorService executor;
  private Future<?> last;
  private Future<?> waiting;
  private Path waitingFile;

  /**
   * @param stored called with the epoch after its checkpoint is stored (on the upload thread)
   */
  CheckpointUploader(
      Artifacts artifacts,
      String model,
      String requestId,
      long runStart,
      DatasetSnapshot snapshot,
      IntConsumer stored) {
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
    Path pinned = file.resolveSibling(file.getFileName() + ".e" + epoch);
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
    waiting = executor.submit(() -> upload(pinned, epoch));
    waitingFile = pinned;
    last = waiting;
  }

  /** Cancels the upload that has not started yet, if any, and removes its pinned file. */
  private void dropWaiting() {
    if (waiting != null && waiting.cancel(false)) {
      LOG.debug("request {}: a waiting checkpoint upload is dropped", requestId);
      delete(waitingFile);
    }
    waiting = null;
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
   * Waits until the newest submitted checkpoint is stored (or given up), at most {@code timeout}.
   */
  void awaitStored(Duration timeout) {
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

  /** Drops uploads not yet started; one in progress finishes on its own. */
  @Override
  public void close() {
    executor.shutdown();
    synchronized (this) {
      dropWaiting();
    }
  }
}
