package dev.flywheel.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.events.DatasetSnapshot;
import dev.flywheel.slm.store.ArtifactStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointUploaderTest {
  private static final DatasetSnapshot SNAPSHOT =
      DatasetSnapshot.newBuilder()
          .setTopic("t")
          .setRanges(List.of())
          .setTakenAt(Instant.EPOCH)
          .build();

  @TempDir Path dir;

  @Test
  void shouldStoreTheFileAsItWasWhenSubmittedEvenIfItIsRewrittenAfterwards() throws Exception {
    Artifacts artifacts = new Artifacts(ArtifactStores.forUri(dir.resolve("store").toUri()));
    List<Integer> stored = new CopyOnWriteArrayList<>();
    Path scratch = Files.createDirectories(dir.resolve("scratch"));
    Path file = scratch.resolve("run.ckpt");
    try (CheckpointUploader uploader =
        new CheckpointUploader(artifacts, "m", "req", 1L, SNAPSHOT, 2, stored::add)) {
      Files.write(file, new byte[] {1});
      uploader.submit(file, 1);
      // slm replaces the file atomically for the next epoch; the pinned copy must not change.
      Path next = scratch.resolve("run.ckpt.tmp");
      Files.write(next, new byte[] {2, 2});
      Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      uploader.submit(file, 2);
      uploader.awaitStored(Duration.ofSeconds(10));
    }

    assertThat(stored).endsWith(2);
    Artifacts.SavedCheckpoint latest =
        artifacts.findCheckpoint("m", "req", dir.resolve("resume.ckpt")).orElseThrow();
    assertThat(latest.epoch()).isEqualTo(2);
    assertThat(Files.readAllBytes(latest.file())).containsExactly(2, 2);
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("pinned copies are removed after upload")
          .noneMatch(name -> name.contains("run.ckpt.e"));
    }
  }

  @Test
  void shouldStoreTheLastCheckpointEvenWhenTheRunDeletesItsScratchDirectoryAtOnce()
      throws Exception {
    Artifacts artifacts = new Artifacts(ArtifactStores.forUri(dir.resolve("store").toUri()));
    List<Integer> stored = new CopyOnWriteArrayList<>();
    Path scratch = Files.createDirectories(dir.resolve("scratch"));
    Path file = scratch.resolve("run.ckpt");
    Files.write(file, new byte[] {5, 5, 5});
    CheckpointUploader uploader =
        new CheckpointUploader(artifacts, "m", "req", 1L, SNAPSHOT, 5, stored::add);
    Files.write(file, new byte[] {4});
    uploader.submit(file, 4);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> stored.contains(4));
    Files.write(file, new byte[] {5, 5, 5});
    uploader.submit(file, 5);
    // A run that ended well closes at once and deletes its scratch directory.
    uploader.closeAfterUploads();
    Files.delete(file);
    Files.delete(scratch);

    // The final epoch's checkpoint waits while the run stores its bundle.
    Thread.sleep(300);
    assertThat(stored).doesNotContain(5);
    uploader.releaseFinal();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> stored.contains(5));
    Artifacts.SavedCheckpoint latest =
        artifacts.findCheckpoint("m", "req", dir.resolve("resume.ckpt")).orElseThrow();
    assertThat(Files.readAllBytes(latest.file())).containsExactly(5, 5, 5);
  }
}
