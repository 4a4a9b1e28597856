package dev.flywheel.slm.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileArtifactStoreTest {
  @TempDir Path root;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shouldStoreContentAddressedAndReadBack() throws Exception {
    ArtifactStore store = ArtifactStores.forUri(root.toUri());
    StoredArtifact a = store.put("intents", "1", bytes("bundle one"));
    assertThat(a.sha256())
        .isEqualTo(
            java.util.HexFormat.of()
                .formatHex(
                    java.security.MessageDigest.getInstance("SHA-256")
                        .digest(bytes("bundle one"))));
    assertThat(a.uri().getScheme()).isEqualTo("file");
    assertThat(a.uri().getPath())
        .endsWith("/blobs/sha256/" + a.sha256().substring(0, 2) + "/" + a.sha256() + ".zip");
    assertThat(a.sizeBytes()).isEqualTo(10);
    assertThat(store.exists(a.uri())).isTrue();
    assertThat(store.read(a.uri())).isEqualTo(bytes("bundle one"));
    try (InputStream in = store.open(a.uri())) {
      assertThat(in.readAllBytes()).isEqualTo(bytes("bundle one"));
    }
    StoredArtifact same = store.put("intents", "2", bytes("bundle one"));
    assertThat(same.uri()).isEqualTo(a.uri());
    assertThat(store.find("intents", "2")).contains(same);
    assertThat(store.find("intents", "3")).isEmpty();
  }

  @Test
  void shouldListVersionsOldestFirst() {
    ArtifactStore store = new FileArtifactStore(root);
    store.put("intents", "1", bytes("a"));
    store.put("intents", "2", bytes("b"));
    store.put("other", "1", bytes("c"));
    assertThat(store.list("intents")).extracting(StoredArtifact::version).containsExactly("1", "2");
    assertThat(store.list("unknown")).isEmpty();
  }

  @Test
  void shouldKeepVersionsImmutable() {
    ArtifactStore store = new FileArtifactStore(root);
    StoredArtifact first = store.put("intents", "1", bytes("a"));
    assertThat(store.put("intents", "1", bytes("a"))).isEqualTo(first);
    assertThatThrownBy(() -> store.put("intents", "1", bytes("different")))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("already holds bundle " + first.sha256());
    assertThat(store.read(first.uri())).isEqualTo(bytes("a"));
  }

  @Test
  void shouldMoveAFileInWithoutCopyingIt() throws Exception {
    ArtifactStore store = new FileArtifactStore(root.resolve("store"));
    Path file = Files.write(root.resolve("run.ckpt"), bytes("checkpoint"));
    Object inode = Files.readAttributes(file, BasicFileAttributes.class).fileKey();

    StoredArtifact stored = store.moveIn("m", "1", file);

    assertThat(file).doesNotExist();
    assertThat(stored.sha256())
        .isEqualTo(
            HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes("checkpoint"))));
    assertThat(stored.sizeBytes()).isEqualTo(10);
    assertThat(store.read(stored.uri())).isEqualTo(bytes("checkpoint"));
    assertThat(Files.readAttributes(Path.of(stored.uri()), BasicFileAttributes.class).fileKey())
        .isEqualTo(inode);
    // Equal bytes share the blob; the file is taken either way.
    Path again = Files.write(root.resolve("again.ckpt"), bytes("checkpoint"));
    assertThat(store.moveIn("m", "2", again).uri()).isEqualTo(stored.uri());
    assertThat(again).doesNotExist();
    // Other bytes for a stored version are refused, and the file is still taken.
    Path other = Files.write(root.resolve("other.ckpt"), bytes("other"));
    assertThatThrownBy(() -> store.moveIn("m", "1", other))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("already holds bundle " + stored.sha256());
    assertThat(other).doesNotExist();
    assertThat(store.read(stored.uri())).isEqualTo(bytes("checkpoint"));
  }

  @Test
  void shouldLeaveNoTemporaryFiles() throws Exception {
    ArtifactStore store = new FileArtifactStore(root);
    store.put("intents", "1", bytes("a"));
    store.put("intents", "1", bytes("a"));
    try (Stream<Path> files = Files.walk(root)) {
      assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.endsWith(".tmp"))
          .hasSize(2);
    }
  }

  @Test
  void shouldRefuseUrisOutsideTheStoreAndUnsafeNames() throws Exception {
    ArtifactStore store = new FileArtifactStore(root.resolve("store"));
    Path outside = Files.writeString(root.resolve("secret.txt"), "x");
    assertThatThrownBy(() -> store.read(outside.toUri()))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("outside the store");
    assertThatThrownBy(() -> store.read(URI.create("s3://bucket/key")))
        .isInstanceOf(ArtifactStoreException.class);
    assertThatThrownBy(() -> store.put("../evil", "1", bytes("a")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.read(root.resolve("store/blobs/none.zip").toUri()))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("no artifact");
  }

  @Test
  void shouldChooseTheStoreByScheme() {
    assertThat(ArtifactStores.forUri("file:" + root)).isInstanceOf(FileArtifactStore.class);
    assertThat(ArtifactStores.forUri(root.toString())).isInstanceOf(FileArtifactStore.class);
    assertThatThrownBy(() -> ArtifactStores.forUri(URI.create("s3://bucket/prefix")))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("no artifact store serves scheme 's3'");
  }
}
