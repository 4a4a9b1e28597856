package dev.flywheel.slm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.slm.store.ArtifactStore;
import dev.flywheel.slm.store.ArtifactStoreException;
import dev.flywheel.slm.store.FileArtifactStore;
import dev.flywheel.slm.store.StoredArtifact;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ArtifactStore#put(ModelBundle)}: the file store's no-rehash path and the default. */
class BundleStoringTest {
  @TempDir Path root;

  @Test
  void shouldStoreABuiltBundleUnderTheSha256ItWasBuiltWith() throws Exception {
    ModelBundle bundle = TestModels.trained(Architecture.BAG).bundle();
    String model = bundle.manifest().modelName();
    String version = bundle.manifest().version();
    ArtifactStore store = new FileArtifactStore(root);

    StoredArtifact stored = store.put(bundle);

    assertThat(stored.modelName()).isEqualTo(model);
    assertThat(stored.version()).isEqualTo(version);
    assertThat(stored.sha256()).isEqualTo(bundle.sha256());
    assertThat(stored.sizeBytes()).isEqualTo(bundle.sizeBytes());
    assertThat(stored.uri().getPath()).endsWith("/" + bundle.sha256() + ".zip");
    // The bytes on disk are the bundle: reading verifies them against the sha256 again.
    ModelBundle loaded = ModelBundle.fromBytes(store.read(stored.uri()), stored.sha256());
    assertThat(loaded.manifest()).isEqualTo(bundle.manifest());
    // Same version record as storing the bytes; other bytes for the version are refused.
    assertThat(store.put(bundle)).isEqualTo(stored);
    assertThat(store.put(model, version, bundle.toByteArray())).isEqualTo(stored);
    assertThatThrownBy(() -> store.put(model, version, "other".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("already holds bundle " + bundle.sha256());
    try (Stream<Path> files = Files.walk(root)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
  }

  @Test
  void shouldCheckTheSha256OfABundleStoredThroughTheDefault() {
    ModelBundle bundle = TestModels.trained(Architecture.BAG).bundle();
    FileArtifactStore files = new FileArtifactStore(root);
    // A store with only the byte-array put: the default hashes what it stored and compares.
    assertThat(new Forwarding(files, false).put(bundle).sha256()).isEqualTo(bundle.sha256());
    // One that damages the bytes on the way is caught.
    ModelBundle other = TestModels.trained(Architecture.LSTM).bundle();
    FileArtifactStore elsewhere = new FileArtifactStore(root.resolve("elsewhere"));
    assertThatThrownBy(() -> new Forwarding(elsewhere, true).put(other))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("for bundle " + other.sha256());
  }

  @Test
  void shouldStoreAndRemoveAFileThroughTheDefaultMoveIn() throws Exception {
    FileArtifactStore files = new FileArtifactStore(root.resolve("store"));
    Path file = Files.write(root.resolve("run.ckpt"), new byte[] {1, 2, 3});
    StoredArtifact stored = new Forwarding(files, false).moveIn("m", "1", file);
    assertThat(file).doesNotExist();
    assertThat(files.read(stored.uri())).containsExactly(1, 2, 3);
    // Removed also when refused.
    Path other = Files.write(root.resolve("other.ckpt"), new byte[] {4});
    assertThatThrownBy(() -> new Forwarding(files, false).moveIn("m", "1", other))
        .isInstanceOf(ArtifactStoreException.class);
    assertThat(other).doesNotExist();
  }

  /** Forwards the abstract methods only, optionally flipping a byte of what it is given. */
  private record Forwarding(ArtifactStore delegate, boolean damage) implements ArtifactStore {
    @Override
    public StoredArtifact put(String modelName, String version, byte[] bundle) {
      if (damage) {
        bundle[bundle.length / 2] ^= 1;
      }
      return delegate.put(modelName, version, bundle);
    }

    @Override
    public InputStream open(URI uri) {
      return delegate.open(uri);
    }

    @Override
    public byte[] read(URI uri) {
      return delegate.read(uri);
    }

    @Override
    public boolean exists(URI uri) {
      return delegate.exists(uri);
    }

    @Override
    public List<StoredArtifact> list(String modelName) {
      return delegate.list(modelName);
    }

    @Override
    public Optional<StoredArtifact> find(String modelName, String version) {
      return delegate.find(modelName, version);
    }
  }
}
