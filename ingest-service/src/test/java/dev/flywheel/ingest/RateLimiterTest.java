package dev.flywheel.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private final AtomicLong now = new AtomicLong();
  private final RateLimiter limiter = new RateLimiter(10, 3, now::get);

  @Test
  void shouldAllowABurstThenAskToWaitForTheNextToken() {
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.tryAcquire("shop")).isZero();
    }
    Duration wait = limiter.tryAcquire("shop");
    assertThat(wait).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void shouldRefillAtTheConfiguredRate() {
    for (int i = 0; i < 3; i++) {
      limiter.tryAcquire("shop");
    }
    now.addAndGet(Duration.ofMillis(100).toNanos());
    assertThat(limiter.tryAcquire("shop")).isZero();
    assertThat(limiter.tryAcquire("shop")).isPositive();
  }

  @Test
  void shouldKeepOneBucketPerApp() {
    for (int i = 0; i < 3; i++) {
      limiter.tryAcquire("shop");
    }
    assertThat(limiter.tryAcquire("shop")).isPositive();
    assertThat(limiter.tryAcquire("blog")).isZero();
  }
}
