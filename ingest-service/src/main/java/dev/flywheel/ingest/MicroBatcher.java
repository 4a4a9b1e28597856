package dev.flywheel.ingest;

import dev.flywheel.slm.Prediction;
import dev.flywheel.slm.TextClassifier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Gathers concurrent single-text predictions for one loaded model version into one forward pass: a
 * batch leaves when it holds {@code maxBatch} texts or when its first text has waited {@code
 * maxWait}, whichever comes first, and runs on the inference pool. A transformer pass over 16 texts
 * costs far less than 16 passes over one. Thread-safe.
 */
final class MicroBatcher {
  private record Pending(String text, CompletableFuture<Prediction> result) {}

  private final TextClassifier classifier;
  private final Executor inference;
  private final ScheduledExecutorService timer;
  private final int maxBatch;
  private final long maxWaitNanos;
  private final Object lock = new Object();
  private List<Pending> pending = new ArrayList<>();
  private long generation;

  MicroBatcher(
      TextClassifier classifier,
      Executor inference,
      ScheduledExecutorService timer,
      int maxBatch,
      long maxWaitNanos) {
    this.classifier = classifier;
    this.inference = inference;
    this.timer = timer;
    this.maxBatch = maxBatch;
    this.maxWaitNanos = maxWaitNanos;
  }

  /**
   * Queues a text; the future completes with its prediction, or exceptionally (with a {@link
   * RejectedExecutionException} when the inference pool is full).
   */
  CompletableFuture<Prediction> submit(String text) {
    CompletableFuture<Prediction> result = new CompletableFuture<>();
    List<Pending> full = null;
    long scheduleFor = -1;
    synchronized (lock) {
      pending.add(new Pending(text, result));
      if (pending.size() >= maxBatch) {
        full = take();
      } else if (pending.size() == 1) {
        scheduleFor = generation;
      }
    }
    if (full != null) {
      run(full);
    } else if (scheduleFor >= 0) {
      long batch = scheduleFor;
      try {
        timer.schedule(() -> flush(batch), maxWaitNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        flush(batch);
      }
    }
    return result;
  }

  /** Sends the batch of a generation if it has not left yet (full batches leave on their own). */
  private void flush(long batch) {
    List<Pending> due;
    synchronized (lock) {
      if (generation != batch || pending.isEmpty()) {
        return;
      }
      due = take();
    }
    run(due);
  }

  private List<Pending> take() {
    List<Pending> batch = pending;
    pending = new ArrayList<>();
    generation++;
    return batch;
  }

  private void run(List<Pending> batch) {
    try {
      inference.execute(
          () -> {
            try {
              List<Prediction> predictions =
                  classifier.predictBatch(batch.stream().map(Pending::text).toList());
              for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result().complete(predictions.get(i));
              }
            } catch (RuntimeException e) {
              batch.forEach(p -> p.result().completeExceptionally(e));
            }
          });
    } catch (RejectedExecutionException e) {
      batch.forEach(p -> p.result().completeExceptionally(e));
    }
  }
}
