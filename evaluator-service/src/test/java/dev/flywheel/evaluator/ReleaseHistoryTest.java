package dev.flywheel.evaluator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ReleaseKind;
import dev.flywheel.schemas.Events;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReleaseHistoryTest {

  private static ModelReleased release(String id, int version, ReleaseKind kind, Integer previous) {
    return ModelReleased.newBuilder()
        .setReleaseId(id)
        .setModel(Events.ref("m", version))
        .setKind(kind)
        .setArtifactUri("file:/a/" + version)
        .setSha256("sha" + version)
        .setPreviousVersion(previous)
        .setTimestamp(Instant.EPOCH)
        .build();
  }

  @Test
  void shouldTrackTheCurrentChampionAndEachVersionsLatestRelease() {
    ReleaseHistory history = new ReleaseHistory();
    history.apply(release("r1", 1, ReleaseKind.PROMOTED, null));
    history.apply(release("r2", 2, ReleaseKind.PROMOTED, 1));
    history.apply(release("r3", 1, ReleaseKind.ROLLED_BACK, 2));

    assertThat(history.current("m")).map(ModelReleased::getReleaseId).contains("r3");
    assertThat(history.latestOf("m", 1)).map(ModelReleased::getReleaseId).contains("r3");
    assertThat(history.latestOf("m", 2)).map(ModelReleased::getReleaseId).contains("r2");
    assertThat(history.latestOf("m", 7)).isEmpty();
    assertThat(history.current("other")).isEmpty();
  }

  @Test
  void shouldApplyARereadReleaseOnlyOnce() {
    ReleaseHistory history = new ReleaseHistory();
    assertThat(history.apply(release("r1", 1, ReleaseKind.PROMOTED, null))).isTrue();
    assertThat(history.apply(release("r2", 2, ReleaseKind.PROMOTED, 1))).isTrue();

    // Our own release read back from the topic after it was applied locally.
    assertThat(history.apply(release("r1", 1, ReleaseKind.PROMOTED, null))).isFalse();

    assertThat(history.current("m")).map(r -> r.getModel().getVersion()).contains(2);
  }
}
