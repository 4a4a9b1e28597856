package dev.flywheel.trainer;

import java.util.concurrent.locks.ReentrantLock;

/**
 * One training at a time per process. DJL's PyTorch engine allows a single gradient collector per
 * JVM ({@code PtGradientCollector} is process-global), so two runs training at once in one process
 * fail. Workers of one process therefore take turns at training (they still read snapshots and
 * publish outcomes concurrently); to train models truly in parallel, run more processes, e.g. one
 * per GPU, which is how the trainer is deployed. Fair, so waiting runs train in arrival order.
 */
final class EngineLock {
  private static final ReentrantLock LOCK = new ReentrantLock(true);

  private EngineLock() {}

  /** Waits for the engine; interruptible so that an abandoned run stops waiting. */
  static void acquire() throws InterruptedException {
    LOCK.lockInterruptibly();
  }

  static void release() {
    LOCK.unlock();
  }

  /** Whether another run of this process is training now. */
  static boolean isBusy() {
    return LOCK.isLocked() && !LOCK.isHeldByCurrentThread();
  }
}
