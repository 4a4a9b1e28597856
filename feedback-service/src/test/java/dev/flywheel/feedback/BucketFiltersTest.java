package dev.flywheel.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BucketFiltersTest {
  private static final long DAY = 86_400_000L;

  @Test
  void shouldHoldEveryAddedIdAsItGrowsAndRarelyOneThatWasNot() {
    BucketFilters filters = new BucketFilters(BucketFilters.MAX_IDS_PER_BUCKET);
    int added = 300_000; // past the first filters of the chain
    for (int i = 0; i < added; i++) {
      filters.add(filters.hash("id-" + i), DAY);
    }
    for (int i = 0; i < added; i++) {
      assertThat(filters.mayHold(filters.hash("id-" + i), DAY)).as("id-%d", i).isTrue();
    }
    int falsePositives = 0;
    int probes = 200_000;
    for (int i = 0; i < probes; i++) {
      if (filters.mayHold(filters.hash("other-" + i), DAY)) {
        falsePositives++;
      }
    }
    // 0.3 % per filter when full, seven filters in the chain.
    assertThat(falsePositives).isLessThan(probes / 50);
    assertThat(filters.mayHold(filters.hash("id-1"), 2 * DAY)).as("another bucket").isFalse();
    assertThat(filters.mayHold(filters.hash("id-1"), 0)).as("a bucket before").isFalse();
  }

  @Test
  void shouldAnswerMaybeForABucketThatOutgrewItsBound() {
    BucketFilters filters = new BucketFilters(10);
    for (int i = 0; i < 10; i++) {
      filters.add(filters.hash("id-" + i), DAY);
    }
    assertThat(filters.mayHold(filters.hash("never-added"), DAY)).isFalse();
    filters.add(filters.hash("id-10"), DAY);
    assertThat(filters.mayHold(filters.hash("never-added"), DAY)).isTrue();
    assertThat(filters.mayHold(filters.hash("id-3"), DAY)).isTrue();
    assertThat(filters.mayHold(filters.hash("never-added"), 2 * DAY)).isFalse();
  }

  @Test
  void shouldAnswerMaybeForBucketsItForgot() {
    BucketFilters filters = new BucketFilters(100);
    filters.add(filters.hash("a"), DAY);
    filters.add(filters.hash("b"), 2 * DAY);
    filters.forget(2 * DAY);

    assertThat(filters.mayHold(filters.hash("x"), DAY)).as("forgotten").isTrue();
    assertThat(filters.mayHold(filters.hash("x"), 0)).as("before the forgotten one").isTrue();
    assertThat(filters.mayHold(filters.hash("x"), 2 * DAY)).isFalse();
    assertThat(filters.mayHold(filters.hash("b"), 2 * DAY)).isTrue();
    // Forgetting is never undone by forgetting less.
    filters.forget(DAY);
    assertThat(filters.mayHold(filters.hash("x"), DAY)).isTrue();
    // Nothing is added to a forgotten bucket, and it still answers maybe.
    filters.add(filters.hash("c"), DAY);
    assertThat(filters.mayHold(filters.hash("x"), DAY)).isTrue();
  }

  @Test
  void shouldSpreadIdsThatDifferInOneCharacter() {
    assertThat(BucketFilters.hash("idem-1", 7)).isNotEqualTo(BucketFilters.hash("idem-2", 7));
    assertThat(BucketFilters.hash("ab", 7)).isNotEqualTo(BucketFilters.hash("ba", 7));
    assertThat(Long.bitCount(BucketFilters.hash("idem-1", 7) ^ BucketFilters.hash("idem-2", 7)))
        .isBetween(16, 48);
    assertThat(BucketFilters.hash("idem-1", 7)).isNotEqualTo(BucketFilters.hash("idem-1", 8));
  }

  @Test
  void shouldRefuseABoundBelowOne() {
    assertThatThrownBy(() -> new BucketFilters(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
