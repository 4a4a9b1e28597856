package dev.flywheel.slm;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes a run's per-epoch checkpoint on a background thread, so the training thread only pays for
 * capturing the parameters (a copy in memory), not for compressing and writing them. At most one
 * write is pending: the next {@link #submit} waits for it. Listener notices and failures are
 * delivered on the training thread ({@link #poll}, {@link #submit}, {@link #await}); the file is
 * still replaced atomically. Used by one training thread.
 */
final class CheckpointWriter implements AutoCloseable {
  private final Path file;
  private final TrainingListener listener;
  private final String runId;
  private ExecutorService executor;
  private Future<?> pending;
  private int pendingEpoch;

  CheckpointWriter(Path file, TrainingListener listener, String runId) {
    this.file = file;
    this.listener = listener;
    this.runId = runId;
  }

  /**
   * Starts writing the checkpoint of {@code state.epoch()}, after the previous write has finished.
   * The arguments must not change afterwards.
   */
  void submit(Checkpoints.State state, Tokenizer tokenizer, byte[] current, byte[] best) {
    await();
    if (executor == null) {
      executor =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "checkpoint-writer " + runId);
                t.setDaemon(true);
                return t;
              });
    }
    pending =
        executor.submit(
            () -> {
              Checkpoints.write(file, state, tokenizer, current, best);
              return null;
            });
    pendingEpoch = state.epoch();
  }

  /** Delivers the pending write's outcome if it has finished; never waits. */
  void poll() {
    if (pending != null && pending.isDone()) {
      await();
    }
  }

  /**
   * Waits for the pending write, if any, then tells the listener; an interrupt does not cut the
   * wait short (it is kept for the training loop to act on).
   *
   * @throws TrainingException if the write failed
   */
  void await() {
    if (pending == null) {
      return;
    }
    Future<?> write = pending;
    int epoch = pendingEpoch;
    pending = null;
    boolean interrupted = false;
    try {
      while (true) {
        try {
          write.get();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new TrainingException(
          TrainingException.Reason.ENGINE_FAILURE,
          "cannot write checkpoint " + file + ": " + cause,
          cause instanceof IOException || cause instanceof RuntimeException ? cause : e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    listener.onCheckpoint(file, epoch);
  }

  /** Waits for the pending write (reporting it as {@link #await} does) and ends the thread. */
  @Override
  public void close() {
    try {
      await();
    } finally {
      if (executor != null) {
        executor.shutdown();
      }
    }
  }
}
