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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointUploaderTest {
  @TempDir Path dir;

  @Test
  void shouldStoreTheFileAsItWasWhenSubmittedEvenIfItIsRewrittenAfterwards() throws Exception {
    Artifacts artifacts = new Artifacts(ArtifactStores.forUri(dir.resolve("store").toUri()));
    DatasetSnapshot snapshot =
        DatasetSnapshot.newBuilder()
            .setTopic("t")
            .setRanges(List.of())
            .setTakenAt(Instant.EPOCH)
            .build();
    List<Integer> stored = new CopyOnWriteArrayList<>();
    Path file = dir.resolve("run.ckpt");
    try (CheckpointUploader uploader =
        new CheckpointUploader(artifacts, "m", "req", 1L, snapshot, stored::add)) {
      Files.write(file, new byte[] {1});
      uploader.submit(file, 1);
      // slm replaces the file atomically for the next epoch; the pinned copy must not change.
      Path next = dir.resolve("run.ckpt.tmp");
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
    assertThat(Files.list(dir).map(p -> p.getFileName().toString()))
        .as("pinned copies are removed after upload")
        .noneMatch(name -> name.startsWith("run.ckpt.e"));
  }
}
