package dev.flywheel.ingest;

import dev.flywheel.slm.Prediction;
import dev.flywheel.slm.TextClassifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Gathers concurrent single-text predictions for one loaded model version into shared forward
 * passes, without waiting on a timer: a text that finds fewer than {@code maxPasses} passes in
 * flight starts one at once; otherwise it queues, and each pass that ends takes up to {@code
 * maxBatch} queued texts into the next. An idle model answers a lone text with no added delay; a
 * busy one batches as much as its load brings (a transformer pass over 16 texts costs far less than
 * 16 passes over one). Each pass runs as its own task on the inference pool, so other models'
 * passes queued there take their turn. Thread-safe.
 */
final class MicroBatcher {
  private record Pending(String text, CompletableFuture<Prediction> result) {}

  private final TextClassifier classifier;
  private final Executor inference;
  private final int maxBatch;
  private final int maxPasses;
  private final Object lock = new Object();
  private final ArrayDeque<Pending> queued = new ArrayDeque<>();
  private int passes; // in flight or handed to the pool; guarded by lock

  MicroBatcher(TextClassifier classifier, Executor inference, int maxBatch, int maxPasses) {
    if (maxBatch < 1 || maxPasses < 1) {
      throw new IllegalArgumentException(
          "maxBatch and maxPasses must be positive, got " + maxBatch + ", " + maxPasses);
    }
    this.classifier = classifier;
    this.inference = inference;
    this.maxBatch = maxBatch;
    this.maxPasses = maxPasses;
  }

  /**
   * Queues a text; the future completes with its prediction, or exceptionally (with a {@link
   * RejectedExecutionException} when the inference pool is full and no pass of this model is left
   * to take the text).
   */
  CompletableFuture<Prediction> submit(String text) {
    CompletableFuture<Prediction> result = new CompletableFuture<>();
    boolean start;
    synchronized (lock) {
      queued.add(new Pending(text, result));
      start = passes < maxPasses;
      if (start) {
        passes++;
      }
    }
    if (start) {
      schedulePass();
    }
    return result;
  }

  /** Hands the pool a pass that takes whatever is queued when it starts. */
  private void schedulePass() {
    try {
      inference.execute(this::pass);
    } catch (RejectedExecutionException e) {
      List<Pending> orphaned = List.of();
      synchronized (lock) {
        passes--;
        if (passes == 0) { // nobody else will take them
          orphaned = new ArrayList<>(queued);
          queued.clear();
        }
      }
      orphaned.forEach(p -> p.result().completeExceptionally(e));
    }
  }

  private void pass() {
    List<Pending> batch = new ArrayList<>();
    synchronized (lock) {
      while (batch.size() < maxBatch && !queued.isEmpty()) {
        batch.add(queued.poll());
      }
      if (batch.isEmpty()) {
        passes--;
        return;
      }
    }
    try {
      List<Prediction> predictions =
          classifier.predictBatch(batch.stream().map(Pending::text).toList());
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).result().complete(predictions.get(i));
      }
    } catch (RuntimeException | Error e) {
      batch.forEach(p -> p.result().completeExceptionally(e));
      if (e instanceof Error error) {
        throw error;
      }
    } finally {
      boolean more;
      synchronized (lock) {
        more = !queued.isEmpty();
        if (!more) {
          passes--;
        }
      }
      if (more) {
        schedulePass(); // this pass's slot goes to the next batch
      }
    }
  }
}
