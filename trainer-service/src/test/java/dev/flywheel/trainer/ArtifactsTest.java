package dev.flywheel.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.DatasetSnapshot;
import dev.flywheel.events.PartitionRange;
import dev.flywheel.slm.store.ArtifactStore;
import dev.flywheel.slm.store.ArtifactStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactsTest {
  @TempDir Path dir;

  private static DatasetSnapshot snapshot(long end) {
    return DatasetSnapshot.newBuilder()
        .setTopic("examples")
        .setRanges(List.of(new PartitionRange(0, 0L, end)))
        .setTrainExamples(end)
        .setCountsPerLabel(Map.of("a", end))
        .setTakenAt(Instant.parse("2026-01-01T00:00:00Z"))
        .build();
  }

  @Test
  void shouldResumeFromTheLatestStoredCheckpointOfARequestWithItsSnapshot() throws Exception {
    ArtifactStore store = ArtifactStores.forUri(dir.resolve("store").toUri());
    Artifacts artifacts = new Artifacts(store);
    Path file = dir.resolve("run.ckpt");
    Files.write(file, new byte[] {1, 2, 3});
    artifacts.saveCheckpoint("m", "req-1", 100L, file, 1, snapshot(5));
    Files.write(file, new byte[] {4, 5, 6, 7});
    artifacts.saveCheckpoint("m", "req-1", 100L, file, 2, snapshot(5));
    Files.write(file, new byte[] {9});
    artifacts.saveCheckpoint("m", "req-2", 200L, file, 7, snapshot(9));

    Artifacts.SavedCheckpoint latest =
        artifacts.findCheckpoint("m", "req-1", dir.resolve("resume.ckpt")).orElseThrow();

    assertThat(latest.epoch()).isEqualTo(2);
    assertThat(latest.snapshot()).isEqualTo(snapshot(5));
    assertThat(Files.readAllBytes(latest.file())).containsExactly(4, 5, 6, 7);
    assertThat(artifacts.findCheckpoint("m", "req-3", dir.resolve("x.ckpt"))).isEmpty();
    assertThat(artifacts.findCheckpoint("other", "req-1", dir.resolve("y.ckpt"))).isEmpty();
  }

  @Test
  void shouldPickTheLatestRunsHighestEpochAndTakeTheFile() throws Exception {
    ArtifactStore store = ArtifactStores.forUri(dir.resolve("store").toUri());
    Artifacts artifacts = new Artifacts(store);
    Path file = dir.resolve("run.ckpt");
    for (int epoch : new int[] {9, 10, 2}) {
      Files.write(file, new byte[] {(byte) epoch});
      artifacts.saveCheckpoint("m", "req-1-2", 100L, file, epoch, snapshot(5));
      assertThat(file).doesNotExist();
    }
    Artifacts.SavedCheckpoint latest =
        artifacts.findCheckpoint("m", "req-1-2", dir.resolve("a.ckpt")).orElseThrow();
    assertThat(latest.epoch()).isEqualTo(10);
    assertThat(Files.readAllBytes(latest.file())).containsExactly(10);

    // A later run of the same request (a retry) wins over the earlier run's higher epochs.
    Files.write(file, new byte[] {1});
    artifacts.saveCheckpoint("m", "req-1-2", 200L, file, 1, snapshot(6));
    latest = artifacts.findCheckpoint("m", "req-1-2", dir.resolve("b.ckpt")).orElseThrow();
    assertThat(latest.epoch()).isEqualTo(1);
    assertThat(latest.snapshot()).isEqualTo(snapshot(6));

    // Without its run's snapshot a checkpoint cannot be resumed from.
    store.put("m--checkpoints", "req-9-300-e4", new byte[] {4});
    assertThat(artifacts.findCheckpoint("m", "req-9", dir.resolve("c.ckpt"))).isEmpty();
  }

  @Test
  void shouldSeeTheHighestVersionAlreadyInTheStore() {
    ArtifactStore store = ArtifactStores.forUri(dir.resolve("store").toUri());
    Artifacts artifacts = new Artifacts(store);
    assertThat(artifacts.maxStoredVersion("m")).isZero();

    store.put("m", "v3", new byte[] {1});
    store.put("m", "v1", new byte[] {2});
    store.put("other", "v9", new byte[] {3});

    assertThat(artifacts.maxStoredVersion("m")).isEqualTo(3);
  }
}
