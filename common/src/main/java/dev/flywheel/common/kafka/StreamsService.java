package dev.flywheel.common.kafka;

import dev.flywheel.common.lifecycle.Service;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka Streams application as a {@link Service}: {@link #start()} returns once the application
 * is RUNNING (and throws if it fails first or does not get there in time); {@link #close()} closes
 * it within a timeout. A stream thread's uncaught exception shuts the client down and is reported
 * to the {@code onFatal} callback (typically {@code ServiceRunner::fail}), so the process exits
 * non-zero instead of running on without processing.
 *
 * <p>This class owns the application's state listener, its restore listener (which logs what each
 * store's restore from its changelog cost) and its uncaught-exception handler.
 */
public final class StreamsService implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(StreamsService.class);

  private final String name;
  private final KafkaStreams streams;
  private final Duration startTimeout;
  private final Duration closeTimeout;
  private final CompletableFuture<Void> running = new CompletableFuture<>();

  /**
   * Wraps {@code streams}, which must not have been started.
   *
   * @param onFatal called once with the error when a stream thread dies
   */
  public StreamsService(
      String name,
      KafkaStreams streams,
      Duration startTimeout,
      Duration closeTimeout,
      Consumer<Throwable> onFatal) {
    this.name = Objects.requireNonNull(name, "name");
    this.streams = Objects.requireNonNull(streams, "streams");
    this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout");
    this.closeTimeout = Objects.requireNonNull(closeTimeout, "closeTimeout");
    Objects.requireNonNull(onFatal, "onFatal");
    streams.setStateListener(this::onStateChange);
    streams.setGlobalStateRestoreListener(new RestoreLog(name));
    streams.setUncaughtExceptionHandler(
        error -> {
          // Report before waking start(): whoever sees start() fail can rely on onFatal having
          // been told already.
          onFatal.accept(error);
          running.completeExceptionally(error);
          return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
  }

  @Override
  public String name() {
    return name;
  }

  /** The wrapped application, e.g. for metrics binding and health checks. */
  public KafkaStreams streams() {
    return streams;
  }

  @Override
  public void start() throws Exception {
    streams.start();
    try {
      running.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(name + " failed before reaching RUNNING", e.getCause());
    } catch (TimeoutException e) {
      throw new TimeoutException(
          name + " not RUNNING after " + startTimeout + " (state " + streams.state() + ")");
    }
  }

  @Override
  public void close() {
    // Leave the group on close, so a restarted instance gets its tasks back at once instead of
    // waiting out the old member's session timeout.
    CloseOptions options =
        CloseOptions.timeout(closeTimeout)
            .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP);
    if (!streams.close(options)) {
      LOG.warn("{}: Kafka Streams did not close within {}", name, closeTimeout);
    }
  }

  private void onStateChange(KafkaStreams.State next, KafkaStreams.State previous) {
    LOG.info("{}: Kafka Streams {} -> {}", name, previous, next);
    if (next == KafkaStreams.State.RUNNING) {
      running.complete(null);
    } else if (next == KafkaStreams.State.ERROR || next == KafkaStreams.State.PENDING_ERROR) {
      running.completeExceptionally(new IllegalStateException("Kafka Streams state " + next));
    }
  }
}
