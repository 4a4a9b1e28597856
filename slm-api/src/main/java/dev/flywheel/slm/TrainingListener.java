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

  /**
   * After the checkpoint for {@code epoch} has been written (atomically) to {@code file}. The file
   * is written on a background thread while the next epoch trains; this notice still comes on the
   * training thread, at the first step after the write finished (or before the next checkpoint or
   * the end of the run at the latest). The file is not rewritten until this call returns.
   */
  default void onCheckpoint(Path file, int epoch) {}
}
