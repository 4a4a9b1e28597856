package dev.flywheel.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RetryTest {
  private final List<Duration> sleeps = new ArrayList<>();

  private Retry.Builder policy() {
    return Retry.builder().delay(Duration.ofMillis(100)).sleeper(sleeps::add);
  }

  @AfterEach
  void clearInterruptFlag() {
    Thread.interrupted();
  }

  @Test
  void shouldRetryRetriableErrorsUntilTheCallSucceeds() {
    AtomicInteger calls = new AtomicInteger();

    String result =
        policy()
            .maxAttempts(5)
            .build()
            .call(
                "fetch",
                () -> {
                  if (calls.incrementAndGet() < 3) {
                    throw new TimeoutException("not yet");
                  }
                  return "ok";
                });

    assertThat(result).isEqualTo("ok");
    assertThat(calls).hasValue(3);
    assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(100));
  }

  @Test
  void shouldGiveUpAfterMaxAttemptsWithTheLastErrorAsCause() {
    AtomicInteger calls = new AtomicInteger();
    Retry retry = policy().maxAttempts(3).build();

    assertThatThrownBy(
            () ->
                retry.run(
                    "create topics",
                    () -> {
                      calls.incrementAndGet();
                      throw new TimeoutException("broker down");
                    }))
        .isInstanceOf(RetryException.class)
        .hasMessageContaining("create topics failed after 3 attempts")
        .hasCauseInstanceOf(TimeoutException.class)
        .satisfies(e -> assertThat(((RetryException) e).attempts()).isEqualTo(3));
    assertThat(calls).hasValue(3);
    assertThat(sleeps).hasSize(2);
  }

  @Test
  void shouldNotRetryAPermanentError() {
    AtomicInteger calls = new AtomicInteger();
    Retry retry = policy().maxAttempts(5).build();

    assertThatThrownBy(
            () ->
                retry.run(
                    "send",
                    () -> {
                      calls.incrementAndGet();
                      throw new SerializationException("bad record");
                    }))
        .isInstanceOf(RetryException.class)
        .hasMessageContaining("not retriable")
        .hasCauseInstanceOf(SerializationException.class);
    assertThat(calls).hasValue(1);
  }

  @Test
  void shouldStopRetryingOnceTheTimeoutHasPassed() {
    AtomicLong now = new AtomicLong();
    AtomicInteger calls = new AtomicInteger();
    Retry retry =
        Retry.builder()
            .maxAttempts(Integer.MAX_VALUE)
            .timeout(Duration.ofMillis(250))
            .delay(Duration.ofMillis(100))
            .sleeper(
                d -> {
                  sleeps.add(d);
                  now.addAndGet(d.toNanos());
                })
            .nanoTime(now::get)
            .build();

    assertThatThrownBy(
            () ->
                retry.run(
                    "describe topics",
                    () -> {
                      calls.incrementAndGet();
                      throw new TimeoutException("metadata not there yet");
                    }))
        .isInstanceOf(RetryException.class)
        .hasMessageContaining("describe topics failed for longer than PT0.25S");
    assertThat(calls).hasValue(4);
    assertThat(sleeps).hasSize(3);
  }

  @Test
  void shouldThrowTheLastErrorItselfWhenThePolicySaysSo() {
    IllegalStateException last = new IllegalStateException("503 busy");
    Retry retry = policy().maxAttempts(2).retryOn(e -> true).rethrowLastError().build();

    assertThatThrownBy(
            () ->
                retry.run(
                    "GET /subjects",
                    () -> {
                      throw last;
                    }))
        .isSameAs(last);
    assertThat(sleeps).hasSize(1);
  }

  @Test
  void shouldGrowTheDelayUpToTheCap() {
    Retry retry =
        policy().maxAttempts(5).backoff(2.0, Duration.ofMillis(300)).retryOn(e -> true).build();

    assertThatThrownBy(
            () ->
                retry.run(
                    "x",
                    () -> {
                      throw new IllegalStateException("again");
                    }))
        .isInstanceOf(RetryException.class);
    assertThat(sleeps)
        .containsExactly(
            Duration.ofMillis(100),
            Duration.ofMillis(200),
            Duration.ofMillis(300),
            Duration.ofMillis(300));
  }

  @Test
  void shouldReinterruptWhenInterruptedWhileWaiting() {
    Retry retry =
        Retry.builder()
            .maxAttempts(3)
            .sleeper(
                d -> {
                  throw new InterruptedException("stop");
                })
            .build();

    assertThatThrownBy(
            () ->
                retry.run(
                    "x",
                    () -> {
                      throw new TimeoutException("t");
                    }))
        .isInstanceOf(InterruptException.class);
    assertThat(Thread.currentThread().isInterrupted()).isTrue();
  }

  @Test
  void shouldReinterruptAndNotRetryWhenTheActionIsInterrupted() {
    AtomicInteger calls = new AtomicInteger();
    Retry retry = policy().maxAttempts(3).retryOn(e -> true).build();

    assertThatThrownBy(
            () ->
                retry.run(
                    "x",
                    () -> {
                      calls.incrementAndGet();
                      throw new InterruptedException("stop");
                    }))
        .isInstanceOf(InterruptException.class);
    assertThat(calls).hasValue(1);
    assertThat(Thread.currentThread().isInterrupted()).isTrue();
  }

  @Test
  void shouldRejectANonsensicalPolicy() {
    assertThatThrownBy(() -> Retry.builder().maxAttempts(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Retry.builder().backoff(0.5, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
