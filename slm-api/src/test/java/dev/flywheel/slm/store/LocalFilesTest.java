package dev.flywheel.slm.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalFilesTest {
  @TempDir Path dir;

  @Test
  void shouldStampReadAndNoticeAChange() throws IOException {
    Path file = Files.writeString(dir.resolve("config.json"), "{}");
    SuppliedFiles files = ArtifactStores.suppliedFiles(file.toUri());

    SuppliedFiles.Stamp first = files.stamp(file.toUri()).orElseThrow();
    assertThat(first.size()).isEqualTo(2);
    assertThat(files.read(file.toUri(), 2)).containsExactly('{', '}');
    assertThat(files.readStart(file.toUri(), 1)).containsExactly('{');
    assertThat(files.readStart(file.toUri(), 10)).containsExactly('{', '}');
    Files.writeString(file, "{ }");
    Files.setLastModifiedTime(file, FileTime.fromMillis(1_000));
    assertThat(files.stamp(file.toUri())).isPresent().get().isNotEqualTo(first);
    assertThat(ArtifactStores.suppliedFiles(URI.create(file.toString())).stamp(file.toUri()))
        .isPresent();
  }

  @Test
  void shouldRefuseMissingAndOversizedFilesAndUnservedSchemes() throws IOException {
    Path file = Files.writeString(dir.resolve("model.safetensors"), "0123456789");
    SuppliedFiles files = ArtifactStores.suppliedFiles(dir.toUri());

    assertThat(files.stamp(dir.resolve("none.json").toUri())).isEmpty();
    assertThat(files.stamp(dir.toUri())).as("a directory is not a file").isEmpty();
    assertThatThrownBy(() -> files.read(file.toUri(), 9))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("larger than the 9 bytes");
    assertThatThrownBy(() -> files.read(dir.resolve("none.json").toUri(), 9))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("no file at");
    assertThatThrownBy(() -> ArtifactStores.suppliedFiles(URI.create("gs://bucket/dir/")))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("no artifact store serves scheme 'gs'");
  }
}
