package dev.flywheel.schemas;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounded retries with a delay (optionally growing), for calls that may fail transiently: at most
 * {@code maxAttempts} tries (and, when set, only within a timeout), only for errors the predicate
 * accepts (by default a Kafka {@link RetriableException} in the cause chain; the services pass
 * {@code ErrorClassifier::isRetriable}). An interruption is never swallowed: the thread's interrupt
 * flag is set again and Kafka's unchecked {@link InterruptException} is thrown.
 *
 * <p>The one back-off helper of the project. It lives in {@code schemas}, the lowest module that
 * talks to Kafka and the registry, so that the registry client and the topic ensurer here can use
 * it as well as {@code common} and the services above.
 */
public final class Retry {
  private static final Logger LOG = LoggerFactory.getLogger(Retry.class);

  /** Sleeps between attempts; replaceable in tests. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  private final int maxAttempts;
  private final Duration timeout;
  private final Duration delay;
  private final double multiplier;
  private final Duration maxDelay;
  private final Predicate<Throwable> retryOn;
  private final boolean rethrowLastError;
  private final Sleeper sleeper;
  private final LongSupplier nanoTime;

  private Retry(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.timeout = b.timeout;
    this.delay = b.delay;
    this.multiplier = b.multiplier;
    this.maxDelay = b.maxDelay;
    this.retryOn = b.retryOn;
    this.rethrowLastError = b.rethrowLastError;
    this.sleeper = b.sleeper;
    this.nanoTime = b.nanoTime;
  }

  /**
   * Starts a policy: 3 attempts, 100 ms apart, no timeout, retrying a Kafka {@link
   * RetriableException}.
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs {@code action} until it succeeds, its error is not retriable, or attempts (or the timeout)
   * run out.
   *
   * @param operation names the call in logs and in the exception, e.g. {@code "create topics"}
   * @throws RetryException when it does not succeed (the cause is the last error), or the last
   *     error itself when the policy says {@link Builder#rethrowLastError()}
   * @throws InterruptException when interrupted (the interrupt flag is set)
   */
  public <T> T call(String operation, Callable<T> action) {
    long started = nanoTime.getAsLong();
    Duration wait = delay;
    for (int attempt = 1; ; attempt++) {
      try {
        return action.call();
      } catch (InterruptedException | InterruptException e) {
        throw interrupted(e);
      } catch (Exception e) {
        if (!retryOn.test(e)) {
          throw giveUp(
              operation + " failed and is not retriable (attempt " + attempt + "): " + e,
              attempt,
              e);
        }
        if (attempt >= maxAttempts) {
          throw giveUp(operation + " failed after " + attempt + " attempts: " + e, attempt, e);
        }
        if (timeout != null && nanoTime.getAsLong() - started > timeout.toNanos()) {
          throw giveUp(operation + " failed for longer than " + timeout + ": " + e, attempt, e);
        }
        LOG.warn(
            "{} failed (attempt {}/{}), retrying in {} ms: {}",
            operation,
            attempt,
            maxAttempts == Integer.MAX_VALUE ? "-" : maxAttempts,
            wait.toMillis(),
            e.toString());
        pause(wait);
        wait = next(wait);
      }
    }
  }

  /** {@link #call} for an action without a result. */
  public void run(String operation, ThrowingRunnable action) {
    call(
        operation,
        () -> {
          action.run();
          return null;
        });
  }

  /** An action without a result that may throw. */
  @FunctionalInterface
  public interface ThrowingRunnable {
    /** Does the work. */
    void run() throws Exception;
  }

  private RuntimeException giveUp(String message, int attempt, Exception last) {
    if (rethrowLastError && last instanceof RuntimeException unchecked) {
      return unchecked;
    }
    return new RetryException(message, attempt, last);
  }

  private void pause(Duration wait) {
    try {
      sleeper.sleep(wait);
    } catch (InterruptedException e) {
      throw interrupted(e);
    }
  }

  private Duration next(Duration current) {
    long millis = (long) Math.min(current.toMillis() * multiplier, maxDelay.toMillis());
    return Duration.ofMillis(Math.max(millis, 0));
  }

  private static InterruptException interrupted(Exception e) {
    if (e instanceof InterruptException kafka) {
      Thread.currentThread().interrupt();
      return kafka;
    }
    // InterruptException's constructor sets the interrupt flag again.
    return new InterruptException((InterruptedException) e);
  }

  private static boolean isKafkaRetriable(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof RetriableException) {
        return true;
      }
    }
    return false;
  }

  /** Configures a {@link Retry}. */
  public static final class Builder {
    private int maxAttempts = 3;
    private Duration timeout;
    private Duration delay = Duration.ofMillis(100);
    private double multiplier = 1.0;
    private Duration maxDelay = Duration.ofSeconds(30);
    private Predicate<Throwable> retryOn = Retry::isKafkaRetriable;
    private boolean rethrowLastError;
    private Sleeper sleeper = d -> Thread.sleep(d.toMillis());
    private LongSupplier nanoTime = System::nanoTime;

    private Builder() {}

    /** Total attempts including the first (at least 1). */
    public Builder maxAttempts(int attempts) {
      if (attempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1, was " + attempts);
      }
      this.maxAttempts = attempts;
      return this;
    }

    /**
     * Retries only while less than {@code limit} has passed since the first attempt (with {@link
     * #maxAttempts} too, whichever ends first); combine with {@code maxAttempts(Integer.MAX_VALUE)}
     * for a retry bounded by time alone.
     */
    public Builder timeout(Duration limit) {
      if (limit.isNegative()) {
        throw new IllegalArgumentException("timeout must not be negative");
      }
      this.timeout = limit;
      return this;
    }

    /** The wait before the second attempt. */
    public Builder delay(Duration wait) {
      if (wait.isNegative()) {
        throw new IllegalArgumentException("delay must not be negative");
      }
      this.delay = wait;
      return this;
    }

    /** Each later wait is the previous times {@code factor} (at least 1), capped at {@code max}. */
    public Builder backoff(double factor, Duration max) {
      if (factor < 1.0) {
        throw new IllegalArgumentException("backoff factor must be at least 1, was " + factor);
      }
      this.multiplier = factor;
      this.maxDelay = Objects.requireNonNull(max, "max");
      return this;
    }

    /** Which errors are retried (default: a Kafka {@link RetriableException} in the chain). */
    public Builder retryOn(Predicate<Throwable> predicate) {
      this.retryOn = Objects.requireNonNull(predicate, "predicate");
      return this;
    }

    /**
     * Gives up by throwing the last error itself (when unchecked) rather than a {@link
     * RetryException}, for callers whose callers tell errors apart by type.
     */
    public Builder rethrowLastError() {
      this.rethrowLastError = true;
      return this;
    }

    Builder sleeper(Sleeper replacement) {
      this.sleeper = replacement;
      return this;
    }

    Builder nanoTime(LongSupplier replacement) {
      this.nanoTime = replacement;
      return this;
    }

    /** The policy. */
    public Retry build() {
      return new Retry(this);
    }
  }
}
