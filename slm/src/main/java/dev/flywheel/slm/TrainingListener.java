package dev.flywheel.slm;

import java.nio.file.Path;

/**
 * Callbacks from a training run, all on the training thread; they should return quickly (hand slow
 * work such as sending an event to another thread).
 */
public interface TrainingListener {
  /**
   * Throttled by {@link TrainingRequest#progressInterval()}, and sent at each epoch's last step.
   */
  default void onProgress(TrainingProgress progress) {}

  /** After each epoch's validation. */
  default void onEpochEnd(EpochSummary summary) {}

  /** After the checkpoint for {@code epoch} has been written (atomically) to {@code file}. */
  default void onCheckpoint(Path file, int epoch) {}
}
