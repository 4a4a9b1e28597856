package dev.flywheel.slm.encoder;

import ai.djl.training.tracker.Tracker;

/**
 * A learning rate rising linearly from 0 to its peak over the warm-up steps, then falling linearly
 * to 0 at the last step. A resumed run's optimisers count their updates from 1 again: the offset
 * (steps taken before) keeps the schedule where the run was.
 */
final class WarmUpLinearDecay implements Tracker {
  private final float peak;
  private final int total;
  private final int warmup;
  private final int offset;

  WarmUpLinearDecay(float peak, int totalSteps, float warmupFraction) {
    this(peak, totalSteps, warmupFraction, 0);
  }

  WarmUpLinearDecay(float peak, int totalSteps, float warmupFraction, int offset) {
    this.peak = peak;
    this.total = Math.max(1, totalSteps);
    this.warmup = Math.round(warmupFraction * this.total);
    this.offset = offset;
  }

  @Override
  public float getNewValue(int update) {
    int step = update + offset;
    if (step <= warmup) {
      return peak * step / Math.max(1, warmup);
    }
    return peak * Math.max(0f, (float) (total - step) / Math.max(1, total - warmup));
  }
}
