package dev.flywheel.slm.encoder;

import ai.djl.training.tracker.Tracker;

/**
 * A learning rate rising linearly from 0 to its peak over the warm-up steps, then falling linearly
 * to 0 at the last step.
 */
final class WarmUpLinearDecay implements Tracker {
  private final float peak;
  private final int total;
  private final int warmup;

  WarmUpLinearDecay(float peak, int totalSteps, float warmupFraction) {
    this.peak = peak;
    this.total = Math.max(1, totalSteps);
    this.warmup = Math.round(warmupFraction * this.total);
  }

  @Override
  public float getNewValue(int step) {
    if (step <= warmup) {
      return peak * step / Math.max(1, warmup);
    }
    return peak * Math.max(0f, (float) (total - step) / Math.max(1, total - warmup));
  }
}
