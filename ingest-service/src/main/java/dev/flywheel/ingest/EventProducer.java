package dev.flywheel.ingest;

import dev.flywheel.common.kafka.ErrorClassifier;
import dev.flywheel.common.kafka.ErrorKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands records to the durable (acks=all, idempotent) producer and completes a Vert.x future when
 * Kafka acknowledged every record of a request, as in the Strimzi Kafka Bridge: the send runs on a
 * bounded, named executor (it may block on metadata or the registry, so never on the event loop),
 * and a budget of unacknowledged records bounds what waits for Kafka. A full executor or an
 * exhausted budget answers 503 at once, so a slow or unreachable cluster never queues requests
 * without bound; a record Kafka did not acknowledge fails its request with 503, never 202.
 */
final class EventProducer implements AutoCloseable {
  private static final String PRODUCER_ERRORS = "flywheel.ingest.producer.errors";
  private static final Logger LOG = LoggerFactory.getLogger(EventProducer.class);

  private final Producer<byte[], byte[]> producer;
  private final ThreadPoolExecutor executor;
  private final Semaphore budget;
  private final int maxInFlight;
  private final Duration retryAfter;
  private final Counter rejectedBudget;
  private final Counter rejectedQueue;
  private final MeterRegistry registry;
  private final Timer ackLatency;

  EventProducer(
      Producer<byte[], byte[]> producer,
      int maxInFlightRecords,
      int threads,
      int queue,
      Duration retryAfter,
      MeterRegistry registry) {
    this.producer = producer;
    this.maxInFlight = maxInFlightRecords;
    this.budget = new Semaphore(maxInFlightRecords);
    this.retryAfter = retryAfter;
    this.registry = registry;
    for (ErrorKind kind : ErrorKind.values()) {
      registry.counter(PRODUCER_ERRORS, "kind", kind.name()); // present at 0 from the start
    }
    this.executor =
        new ThreadPoolExecutor(
            threads,
            threads,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(queue),
            named("flywheel-ingest-producer"),
            new ThreadPoolExecutor.AbortPolicy());
    this.rejectedBudget =
        Counter.builder("flywheel.ingest.producer.rejected")
            .description("Requests answered 503 before reaching Kafka")
            .tag("reason", "in_flight_budget")
            .register(registry);
    this.rejectedQueue =
        Counter.builder("flywheel.ingest.producer.rejected")
            .description("Requests answered 503 before reaching Kafka")
            .tag("reason", "executor_full")
            .register(registry);
    registry.gauge(
        "flywheel.ingest.producer.in.flight.records",
        budget,
        b -> maxInFlight - b.availablePermits());
    this.ackLatency =
        dev.flywheel.common.metrics.Metrics.latencyTimer(
                "ingest", "producer.ack.duration", "Time from send to Kafka's acknowledgement")
            .register(registry);
  }

  /**
   * Sends every record; the future succeeds once Kafka acknowledged all of them and fails with a
   * 503 {@link ApiException} otherwise. Callbacks run on the caller's Vert.x context.
   */
  Future<Void> send(Vertx vertx, List<Outgoing<?, ?>> records) {
    Context context = vertx.getOrCreateContext();
    int count = records.size();
    if (count == 0) {
      return Future.succeededFuture();
    }
    if (!budget.tryAcquire(count)) {
      rejectedBudget.increment();
      return Future.failedFuture(
          ApiException.unavailable(
              "Kafka is slow or unreachable: too many records wait for acknowledgement",
              retryAfter));
    }
    Promise<Void> promise = Promise.promise();
    try {
      executor.execute(() -> sendAll(records, context, promise));
    } catch (RejectedExecutionException e) {
      budget.release(count);
      rejectedQueue.increment();
      return Future.failedFuture(
          ApiException.unavailable("the gateway is overloaded: producer queue full", retryAfter));
    }
    return promise.future();
  }

  private void sendAll(List<Outgoing<?, ?>> records, Context context, Promise<Void> promise) {
    int count = records.size();
    long started = System.nanoTime();
    AtomicInteger remaining = new AtomicInteger(count);
    AtomicReference<Exception> failure = new AtomicReference<>();
    Runnable done =
        () -> {
          budget.release(count);
          ackLatency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
          Exception error = failure.get();
          context.runOnContext(
              v -> {
                if (error == null) {
                  promise.complete();
                } else {
                  promise.fail(toApiException(error));
                }
              });
        };
    for (int i = 0; i < count; i++) {
      ProducerRecord<byte[], byte[]> record;
      try {
        record = records.get(i).serialize();
        producer.send(
            record,
            (metadata, error) -> {
              if (error != null) {
                failure.compareAndSet(null, error);
                countError(error);
              }
              if (remaining.decrementAndGet() == 0) {
                done.run();
              }
            });
      } catch (RuntimeException e) {
        // Not handed to Kafka: this record and every later one fail now.
        failure.compareAndSet(null, e);
        countError(e);
        if (remaining.addAndGet(-(count - i)) == 0) {
          done.run();
        }
        return;
      }
    }
  }

  /** Producer errors by kind (fatal, retriable, permanent): a bounded label set. */
  private void countError(Exception error) {
    registry.counter(PRODUCER_ERRORS, "kind", ErrorClassifier.classify(error).name()).increment();
  }

  private ApiException toApiException(Exception error) {
    if (error instanceof SerializationException) {
      LOG.warn("Could not serialize a record (schema registry?): {}", error.toString());
      return ApiException.unavailable(
          "the schema registry could not be reached; retry with the same idempotency ids",
          retryAfter);
    }
    LOG.warn("Kafka did not acknowledge a record: {}", error.toString());
    return ApiException.unavailable(
        "Kafka did not acknowledge the records in time; retry with the same idempotency ids",
        retryAfter);
  }

  @Override
  public void close() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(10));
  }

  static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + n.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
