package dev.flywheel.trainer;

import dev.flywheel.events.DatasetSnapshot;
import dev.flywheel.schemas.Events;
import dev.flywheel.slm.BundleException;
import dev.flywheel.slm.ModelBundle;
import dev.flywheel.slm.store.ArtifactStore;
import dev.flywheel.slm.store.BundleFetcher;
import dev.flywheel.slm.store.StoredArtifact;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The trainer's use of the {@code slm} artifact store: candidate bundles as model versions, and
 * per-epoch checkpoints of a request as versions of a sibling entry {@code <model>--checkpoints}
 * named {@code <requestId>-<runStart>-e<epoch>}, each holding slm's checkpoint file as it is, and
 * per run {@code <requestId>-<runStart>-snapshot}, the dataset snapshot that run trained on (a
 * resumed run must read exactly the same examples). The highest epoch of a request's latest run is
 * the checkpoint to resume from. Thread-safe.
 */
final class Artifacts {
  static final String CHECKPOINTS_SUFFIX = "--checkpoints";
  private static final String SNAPSHOT_SUFFIX = "-snapshot";

  /** {@code <requestId>-<runStart>-e<epoch>}; request ids may contain dashes themselves. */
  private static final Pattern CHECKPOINT_VERSION = Pattern.compile("(.+)-(\\d+)-e(\\d+)");

  private final ArtifactStore store;
  private final BundleFetcher bundles;

  Artifacts(ArtifactStore store) {
    this.store = store;
    this.bundles = BundleFetcher.over(Optional.of(store));
  }

  /** The store itself, for recipes that keep shared pieces in it (base-model weights). */
  ArtifactStore store() {
    return store;
  }

  /** Where a stored bundle lives and what it is. */
  record Stored(String uri, String sha256, long sizeBytes) {}

  /** A checkpoint fetched to a local file, with the snapshot its run trained on. */
  record SavedCheckpoint(Path file, int epoch, DatasetSnapshot snapshot) {}

  Stored storeBundle(ModelBundle bundle) {
    StoredArtifact stored = store.put(bundle);
    return new Stored(stored.uri().toString(), stored.sha256(), stored.sizeBytes());
  }

  /**
   * Reads and verifies a bundle by URI.
   *
   * @throws BundleException when the bytes do not match {@code sha256} or are not a bundle
   */
  ModelBundle loadBundle(String uri, String sha256) {
    try {
      return bundles.bundle(uri, sha256);
    } catch (BundleException e) {
      throw new IllegalStateException("bundle " + uri + " refused: " + e.getMessage(), e);
    }
  }

  /**
   * The highest version of {@code model} in the store, 0 when none. A version can be in the store
   * without a published candidate (a run that died between storing and committing), so the next
   * version must exceed this too: the store keeps one bundle per version.
   */
  int maxStoredVersion(String model) {
    int max = 0;
    for (StoredArtifact artifact : store.list(model)) {
      try {
        max = Math.max(max, Events.parseVersion(artifact.version()));
      } catch (IllegalArgumentException notAVersion) {
        // Not written by a trainer; it cannot collide with a version name either.
      }
    }
    return max;
  }

  /**
   * Stores the checkpoint file of {@code epoch}, taking the file (the store moves it into place
   * when it can, see {@link ArtifactStore#moveIn}), and once per run the snapshot it trained on.
   */
  void saveCheckpoint(
      String model,
      String requestId,
      long runStart,
      Path file,
      int epoch,
      DatasetSnapshot snapshot) {
    String entry = model + CHECKPOINTS_SUFFIX;
    String run = requestId + "-" + runStart;
    // Once per run: a put of the same bytes would be accepted too, but writes and flushes a
    // version record each epoch only to find it there already.
    if (store.find(entry, run + SNAPSHOT_SUFFIX).isEmpty()) {
      try {
        store.put(entry, run + SNAPSHOT_SUFFIX, toBytes(snapshot.toByteBuffer()));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot encode the snapshot of " + requestId, e);
      }
    }
    store.moveIn(entry, run + "-e" + epoch, file);
  }

  /**
   * The newest stored checkpoint of a request (its latest run's highest epoch), written to {@code
   * target}, with the snapshot that run trained on; empty when there is none, or when its snapshot
   * is missing (a checkpoint stored by an older trainer).
   */
  Optional<SavedCheckpoint> findCheckpoint(String model, String requestId, Path target) {
    String entry = model + CHECKPOINTS_SUFFIX;
    Optional<Map.Entry<StoredArtifact, Matcher>> newest =
        store.list(entry).stream()
            .map(a -> Map.entry(a, CHECKPOINT_VERSION.matcher(a.version())))
            .filter(e -> e.getValue().matches() && e.getValue().group(1).equals(requestId))
            .max(
                Comparator.comparingLong(
                        (Map.Entry<StoredArtifact, Matcher> e) ->
                            Long.parseLong(e.getValue().group(2)))
                    .thenComparingInt(e -> Integer.parseInt(e.getValue().group(3))));
    if (newest.isEmpty()) {
      return Optional.empty();
    }
    StoredArtifact latest = newest.get().getKey();
    Matcher version = newest.get().getValue();
    String run = requestId + "-" + version.group(2);
    Optional<StoredArtifact> snapshotArtifact = store.find(entry, run + SNAPSHOT_SUFFIX);
    if (snapshotArtifact.isEmpty()) {
      return Optional.empty();
    }
    DatasetSnapshot snapshot;
    try {
      snapshot =
          DatasetSnapshot.fromByteBuffer(ByteBuffer.wrap(store.read(snapshotArtifact.get().uri())));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot decode the snapshot of " + run, e);
    }
    Path partial = target.resolveSibling(target.getFileName() + ".part");
    try (InputStream in = store.open(latest.uri())) {
      Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
      Files.move(
          partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return Optional.of(new SavedCheckpoint(target, Integer.parseInt(version.group(3)), snapshot));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint " + latest.uri(), e);
    }
  }

  private static byte[] toBytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }
}
