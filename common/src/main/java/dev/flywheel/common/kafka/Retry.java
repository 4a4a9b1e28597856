package dev.flywheel.common.kafka;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounded retries with a delay (optionally growing), for calls that may fail transiently: at most
 * {@code maxAttempts} tries, only for errors the predicate accepts (by default {@link
 * ErrorClassifier#isRetriable}). An interruption is never swallowed: the thread's interrupt flag is
 * set again and Kafka's unchecked {@link InterruptException} is thrown.
 */
public final class Retry {
  private static final Logger LOG = LoggerFactory.getLogger(Retry.class);

  /** Sleeps between attempts; replaceable in tests. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  private final int maxAttempts;
  private final Duration delay;
  private final double multiplier;
  private final Duration maxDelay;
  private final Predicate<Throwable> retryOn;
  private final Sleeper sleeper;

  private Retry(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.delay = b.delay;
    this.multiplier = b.multiplier;
    this.maxDelay = b.maxDelay;
    this.retryOn = b.retryOn;
    this.sleeper = b.sleeper;
  }

  /**
   * Starts a policy: 3 attempts, 100 ms apart, retrying what {@link ErrorClassifier} calls
   * retriable.
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs {@code action} until it succeeds, its error is not retriable, or attempts run out.
   *
   * @param operation names the call in logs and in the exception, e.g. {@code "create topics"}
   * @throws RetryException when it does not succeed (the cause is the last error)
   * @throws InterruptException when interrupted (the interrupt flag is set)
   */
  public <T> T call(String operation, Callable<T> action) {
    Duration wait = delay;
    for (int attempt = 1; ; attempt++) {
      try {
        return action.call();
      } catch (InterruptedException | InterruptException e) {
        throw interrupted(e);
      } catch (Exception e) {
        if (!retryOn.test(e)) {
          throw new RetryException(
              operation + " failed and is not retriable (attempt " + attempt + "): " + e,
              attempt,
              e);
        }
        if (attempt >= maxAttempts) {
          throw new RetryException(
              operation + " failed after " + attempt + " attempts: " + e, attempt, e);
        }
        LOG.warn(
            "{} failed (attempt {}/{}), retrying in {} ms: {}",
            operation,
            attempt,
            maxAttempts,
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

  /** Configures a {@link Retry}. */
  public static final class Builder {
    private int maxAttempts = 3;
    private Duration delay = Duration.ofMillis(100);
    private double multiplier = 1.0;
    private Duration maxDelay = Duration.ofSeconds(30);
    private Predicate<Throwable> retryOn = ErrorClassifier::isRetriable;
    private Sleeper sleeper = d -> Thread.sleep(d.toMillis());

    private Builder() {}

    /** Total attempts including the first (at least 1). */
    public Builder maxAttempts(int attempts) {
      if (attempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1, was " + attempts);
      }
      this.maxAttempts = attempts;
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

    /** Which errors are retried (default: {@link ErrorClassifier#isRetriable}). */
    public Builder retryOn(Predicate<Throwable> predicate) {
      this.retryOn = Objects.requireNonNull(predicate, "predicate");
      return this;
    }

    Builder sleeper(Sleeper replacement) {
      this.sleeper = replacement;
      return this;
    }

    /** The policy. */
    public Retry build() {
      return new Retry(this);
    }
  }
}
