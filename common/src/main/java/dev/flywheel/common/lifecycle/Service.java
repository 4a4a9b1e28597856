package dev.flywheel.common.lifecycle;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A component with a start and a stop: an HTTP server, a Kafka Streams application, a consumer
 * loop. {@link #start()} returns only when the component is really ready (listening, RUNNING,
 * assigned) and throws when it cannot become ready; {@link #close()} releases everything and may be
 * called after a failed or partial start.
 *
 * <p>{@code close()} may throw {@link InterruptedException} (the runner interrupts a close that
 * overruns its timeout); javac's "try" lint warns about that for every implementation, hence the
 * suppression, which implementations may copy.
 */
@SuppressWarnings("try")
public interface Service extends AutoCloseable {
  /** A short name for logs and the exit line, e.g. {@code "management-http"}. */
  String name();

  /** Starts and blocks until ready. */
  void start() throws Exception;

  /** Stops and releases resources; idempotent. */
  @Override
  void close() throws Exception;

  /**
   * Where to report a fatal error once started (a stream thread died, a producer was fenced).
   * Whoever starts the component ({@link ServiceRunner}, a service's parts) calls this before
   * {@link #start()}; a component without fatal runtime errors ignores it (the default).
   */
  default void onFatal(Consumer<Throwable> handler) {}

  /** An action that may throw, for {@link #of}. */
  @FunctionalInterface
  interface Action {
    /** Does the work. */
    void run() throws Exception;
  }

  /**
   * A service from two actions, e.g. {@code Service.of("producer", () -> {}, producer::close)}. The
   * close action runs at most once.
   */
  static Service of(String name, Action start, Action close) {
    return new Service() {
      private final AtomicBoolean closed = new AtomicBoolean();

      @Override
      public String name() {
        return name;
      }

      @Override
      public void start() throws Exception {
        start.run();
      }

      @Override
      public void close() throws Exception {
        if (closed.compareAndSet(false, true)) {
          close.run();
        }
      }
    };
  }
}
