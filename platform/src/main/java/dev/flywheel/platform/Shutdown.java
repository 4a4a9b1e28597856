package dev.flywheel.platform;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Runs until the JVM is asked to stop (Ctrl-C, SIGTERM), then closes what was started. */
final class Shutdown {
  private static final long CLOSE_GRACE_SECONDS = 120;

  private Shutdown() {}

  /**
   * Blocks until a shutdown signal, then closes {@code resource} on this thread. The named hook
   * only releases the wait and then holds the JVM open until the close has finished, so everything
   * stops cleanly in reverse order instead of being cut off mid-close.
   */
  static void closeOnSignal(AutoCloseable resource) throws Exception {
    CountDownLatch signalled = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              signalled.countDown();
              try {
                closed.await(CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "flywheel-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      signalled.await();
    } finally {
      try {
        resource.close();
      } finally {
        closed.countDown();
      }
    }
  }
}
