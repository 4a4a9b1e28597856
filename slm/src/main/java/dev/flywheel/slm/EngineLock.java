package dev.flywheel.slm;

import java.util.concurrent.locks.ReentrantLock;

/**
 * One training at a time per process. DJL's PyTorch engine allows a single gradient collector per
 * JVM ({@code PtGradientCollector} is process-global), so two runs training at once in one process
 * fail. Runs of one process therefore take turns at training; to train models truly in parallel,
 * run more processes, e.g. one per GPU. Fair, so waiting runs train in arrival order; reentrant, so
 * a caller that holds it (the trainer service, to log that it waits) may call a trainer that takes
 * it again on the same thread.
 */
public final class EngineLock {
  private static final ReentrantLock LOCK = new ReentrantLock(true);

  private EngineLock() {}

  /** Waits for the engine; interruptible so that an abandoned run stops waiting. */
  public static void acquire() throws InterruptedException {
    LOCK.lockInterruptibly();
  }

  /** Releases the engine taken by {@link #acquire()} on this thread. */
  public static void release() {
    LOCK.unlock();
  }

  /** Whether another thread of this process is training now. */
  public static boolean isBusy() {
    return LOCK.isLocked() && !LOCK.isHeldByCurrentThread();
  }
}
