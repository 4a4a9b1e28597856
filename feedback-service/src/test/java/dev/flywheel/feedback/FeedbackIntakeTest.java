package dev.flywheel.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.Test;

/** The dedup filters a task starts with, filled from a real (in-memory) window store. */
class FeedbackIntakeTest {
  private static final long R = Duration.ofHours(24).toMillis();

  @Test
  void shouldFillTheFiltersWithEveryIdStoredAtABucketStartAndLeaveOldLayoutIdsOut() {
    WindowStore<String, Long> store =
        Stores.windowStoreBuilder(
                Stores.inMemoryWindowStore(
                    "dedup",
                    FeedbackIntake.storeRetention(Duration.ofMillis(R)),
                    Duration.ofMillis(R),
                    false),
                Serdes.String(),
                Serdes.Long())
            .withLoggingDisabled()
            .build();
    MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
    store.init(context.getStateStoreContext(), store);
    long bucket = 20_000 * R;
    store.put("a", bucket + 5, bucket);
    store.put("b", bucket + R + 7, bucket + R);
    // As versions before the bucket layout stored ids: under their own timestamp.
    store.put("old", bucket + 123, bucket + 123);

    BucketFilters filters = FeedbackIntake.filled(store, R, "0_0");

    assertThat(filters.mayHold(filters.hash("a"), bucket)).isTrue();
    assertThat(filters.mayHold(filters.hash("b"), bucket + R)).isTrue();
    assertThat(filters.mayHold(filters.hash("a"), bucket + R)).isFalse();
    assertThat(filters.mayHold(filters.hash("old"), bucket + 123))
        .as("no filter at its own timestamp")
        .isFalse();
    assertThat(filters.mayHold(filters.hash("old"), bucket)).isFalse();
    store.close();
  }
}
