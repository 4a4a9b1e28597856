package dev.flywheel.common.lifecycle;

import dev.flywheel.common.config.InvalidConfigException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a service's components: starts them in order (each {@code start()} returns when ready),
 * closes them in reverse order with a timeout each, and in {@link #run()} adds what a process needs
 * — a named shutdown hook, a latch to wait on, and a real exit code ({@link ExitCodes}). A failed
 * start closes what did start, prints one clear line to stderr and exits non-zero. Each component
 * is told before its start to report fatal runtime errors to {@link #fail(Throwable)} ({@link
 * Service#onFatal}). Interrupting the thread in {@link #run()} counts as a stop request; the
 * interrupt flag is set again afterwards.
 *
 * <p>A runner is itself a {@link Service}, so the all-in-one process can nest one per service.
 */
public final class ServiceRunner implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceRunner.class);

  private final String name;
  private final List<Service> components;
  private final Duration closeTimeout;
  private final IntConsumer exit;
  private final PrintStream errorOutput;
  private final Lifecycle lifecycle;
  private final List<Service> started = new ArrayList<>();
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final CountDownLatch closed = new CountDownLatch(1);
  private final AtomicReference<Throwable> runtimeFailure = new AtomicReference<>();
  private final AtomicBoolean closeProblems = new AtomicBoolean();
  private final AtomicBoolean jvmShuttingDown = new AtomicBoolean();
  private final Thread shutdownHook;

  private ServiceRunner(Builder b) {
    this.name = b.name;
    this.components = List.copyOf(b.components);
    this.closeTimeout = b.closeTimeout;
    this.exit = b.exit;
    this.errorOutput = b.errorOutput;
    this.lifecycle = new Lifecycle(name);
    this.shutdownHook = new Thread(this::onJvmShutdown, name + "-shutdown-hook");
  }

  /** Starts a runner for the service called {@code name} (e.g. {@code "ingest"}). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * The usual {@code main}: assembles the components (loading the configuration), runs them until
   * the JVM is asked to stop, and exits with the right code. An invalid configuration prints every
   * problem and exits {@link ExitCodes#CONFIG_INVALID}.
   */
  public static void launch(String name, Callable<List<Service>> assemble) {
    launch(name, assemble, System::exit, System.err);
  }

  /** {@link #launch(String, Callable)} with the exit function and stderr injected (for tests). */
  public static int launch(
      String name, Callable<List<Service>> assemble, IntConsumer exit, PrintStream errorOutput) {
    List<Service> parts;
    try {
      parts = assemble.call();
    } catch (InvalidConfigException e) {
      errorOutput.println(name + ": " + e.getMessage());
      exit.accept(ExitCodes.CONFIG_INVALID);
      return ExitCodes.CONFIG_INVALID;
    } catch (Exception e) {
      errorOutput.println(name + " failed to start: " + Failures.oneLine(e));
      LOG.debug("{}: assembly failed", name, e);
      exit.accept(ExitCodes.START_FAILED);
      return ExitCodes.START_FAILED;
    }
    return builder(name).addAll(parts).exit(exit).errorOutput(errorOutput).build().run();
  }

  @Override
  public String name() {
    return name;
  }

  /** The runner's own state. */
  public State state() {
    return lifecycle.state();
  }

  /**
   * Starts every component in order. When one fails, it is closed (it may hold resources from a
   * partial start), then the ones already started in reverse order, and the failure is thrown.
   */
  @Override
  public void start() throws StartupException {
    lifecycle.transition(State.NEW, State.STARTING);
    for (Service component : components) {
      try {
        LOG.info("{}: starting {}", name, component.name());
        component.onFatal(this::fail);
        component.start();
        synchronized (started) {
          started.add(component);
        }
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        lifecycle.fail();
        // A half-started component may hold threads or ports; Service allows close() after a
        // failed start, so it is closed first, then the others in reverse.
        synchronized (started) {
          started.add(component);
        }
        closeStarted();
        closed.countDown();
        stopRequested.countDown();
        throw new StartupException(component.name(), e);
      }
    }
    if (!lifecycle.compareAndSet(State.STARTING, State.RUNNING)) {
      // close() ran while we were starting; the components started after it must go too.
      closeStarted();
      throw new StartupException(name, new IllegalStateException("closed during start"));
    }
  }

  /**
   * Starts, then blocks until {@link #stop()}, {@link #fail(Throwable)} or JVM shutdown, closes
   * everything, and calls the exit function with the outcome (see {@link ExitCodes}), unless the
   * JVM is already exiting.
   *
   * @return the exit code
   */
  public int run() {
    try {
      start();
    } catch (StartupException e) {
      errorOutput.println(name + " failed to start: " + e.getMessage());
      LOG.debug("{}: start failed", name, e);
      exit.accept(ExitCodes.START_FAILED);
      return ExitCodes.START_FAILED;
    }
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    LOG.info("{}: running", name);
    boolean interrupted = awaitStopRequest();
    close();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    int code = exitCode();
    if (!jvmShuttingDown.get()) {
      removeShutdownHook();
      exit.accept(code);
    }
    return code;
  }

  /** Asks a running {@link #run()} to close everything and return {@link ExitCodes#OK}. */
  public void stop() {
    stopRequested.countDown();
  }

  /**
   * Reports a fatal error from a component at runtime (e.g. a Streams thread died, the producer was
   * fenced): {@link #run()} closes everything and exits {@link ExitCodes#RUNTIME_FAILURE}.
   */
  public void fail(Throwable cause) {
    if (runtimeFailure.compareAndSet(null, Objects.requireNonNull(cause))) {
      LOG.error("{}: fatal failure, stopping: {}", name, Failures.oneLine(cause));
      LOG.debug("{}: fatal failure", name, cause);
    }
    stopRequested.countDown();
  }

  /** Waits until the runner has closed, at most {@code timeout}; returns whether it has. */
  public boolean awaitClosed(Duration timeout) throws InterruptedException {
    return closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Closes the started components in reverse order, each within the close timeout; idempotent. */
  @Override
  public void close() {
    State current = lifecycle.state();
    boolean mine =
        current == State.NEW
            ? lifecycle.compareAndSet(State.NEW, State.STOPPED)
            : (current == State.RUNNING || current == State.STARTING)
                && lifecycle.compareAndSet(current, State.STOPPING);
    if (!mine) {
      awaitQuietly();
      return;
    }
    if (current != State.NEW) {
      closeStarted();
      if (runtimeFailure.get() != null) {
        lifecycle.compareAndSet(State.STOPPING, State.FAILED);
      } else {
        lifecycle.compareAndSet(State.STOPPING, State.STOPPED);
      }
    }
    closed.countDown();
    stopRequested.countDown();
  }

  int exitCode() {
    if (runtimeFailure.get() != null) {
      return ExitCodes.RUNTIME_FAILURE;
    }
    return closeProblems.get() ? ExitCodes.CLOSE_FAILED : ExitCodes.OK;
  }

  Thread shutdownHook() {
    return shutdownHook;
  }

  private void closeStarted() {
    List<Service> toClose;
    synchronized (started) {
      toClose = new ArrayList<>(started);
      started.clear();
    }
    for (int i = toClose.size() - 1; i >= 0; i--) {
      closeOne(toClose.get(i));
    }
  }

  private void closeOne(Service component) {
    AtomicReference<Throwable> error = new AtomicReference<>();
    Thread closer =
        new Thread(
            () -> {
              try {
                component.close();
              } catch (Exception | Error e) {
                error.set(e);
              }
            },
            name + "-close-" + component.name());
    closer.setDaemon(true);
    closer.start();
    try {
      closer.join(closeTimeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (closer.isAlive()) {
      closeProblems.set(true);
      closer.interrupt();
      LOG.warn("{}: {} did not close within {}; moving on", name, component.name(), closeTimeout);
    } else if (error.get() != null) {
      closeProblems.set(true);
      LOG.warn("{}: {} failed to close: {}", name, component.name(), Failures.oneLine(error.get()));
      LOG.debug("{}: close failure of {}", name, component.name(), error.get());
    } else {
      LOG.info("{}: closed {}", name, component.name());
    }
  }

  /** Returns whether the wait was interrupted, which counts as a request to stop. */
  private boolean awaitStopRequest() {
    try {
      stopRequested.await();
      return false;
    } catch (InterruptedException e) {
      // Closing needs uninterrupted waits; run() sets the flag again once everything is closed.
      return true;
    }
  }

  private void awaitQuietly() {
    try {
      closed.await(closeTimeout.toMillis() * (components.size() + 1), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void onJvmShutdown() {
    jvmShuttingDown.set(true);
    LOG.info("{}: shutdown requested", name);
    stop();
    awaitQuietly();
  }

  private void removeShutdownHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shutdownInProgress) {
      jvmShuttingDown.set(true);
    }
  }

  /** Configures a {@link ServiceRunner}. */
  public static final class Builder {
    private final String name;
    private final List<Service> components = new ArrayList<>();
    private Duration closeTimeout = Duration.ofSeconds(30);
    private IntConsumer exit = System::exit;
    private PrintStream errorOutput = System.err;

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    /** Adds a component; components start in the order added. */
    public Builder add(Service component) {
      components.add(Objects.requireNonNull(component, "component"));
      return this;
    }

    /** Adds components in order. */
    public Builder addAll(List<? extends Service> list) {
      list.forEach(this::add);
      return this;
    }

    /** How long each component may take to close (default 30 s). */
    public Builder closeTimeout(Duration timeout) {
      this.closeTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** What {@link #run()} calls with the exit code (default {@link System#exit(int)}). */
    public Builder exit(IntConsumer exitFunction) {
      this.exit = Objects.requireNonNull(exitFunction, "exitFunction");
      return this;
    }

    /** Where the one-line start failure goes (default stderr). */
    public Builder errorOutput(PrintStream stream) {
      this.errorOutput = Objects.requireNonNull(stream, "stream");
      return this;
    }

    /** The runner. */
    public ServiceRunner build() {
      return new ServiceRunner(this);
    }
  }
}
