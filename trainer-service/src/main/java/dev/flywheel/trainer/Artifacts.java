package dev.flywheel.trainer;

import dev.flywheel.events.DatasetSnapshot;
import dev.flywheel.schemas.Events;
import dev.flywheel.slm.BundleException;
import dev.flywheel.slm.ModelBundle;
import dev.flywheel.slm.store.ArtifactStore;
import dev.flywheel.slm.store.StoredArtifact;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * The trainer's use of the {@code slm} artifact store: candidate bundles as model versions, and
 * per-epoch checkpoints of a request as versions of a sibling entry {@code <model>--checkpoints}
 * named {@code <requestId>-<runStart>-e<epoch>}, each holding the checkpoint file together with the
 * dataset snapshot it was trained on (a resumed run must read exactly the same examples). The
 * latest stored checkpoint of a request is the one to resume from. Thread-safe.
 */
final class Artifacts {
  static final String CHECKPOINTS_SUFFIX = "--checkpoints";
  private static final int ENVELOPE_FORMAT = 1;

  private final ArtifactStore store;

  Artifacts(ArtifactStore store) {
    this.store = store;
  }

  /** Where a stored bundle lives and what it is. */
  record Stored(String uri, String sha256, long sizeBytes) {}

  /** A checkpoint fetched to a local file, with the snapshot its run trained on. */
  record SavedCheckpoint(Path file, int epoch, DatasetSnapshot snapshot) {}

  Stored storeBundle(ModelBundle bundle) {
    StoredArtifact stored =
        store.put(bundle.manifest().modelName(), bundle.manifest().version(), bundle.toByteArray());
    return new Stored(stored.uri().toString(), stored.sha256(), stored.sizeBytes());
  }

  /**
   * Reads and verifies a bundle by URI.
   *
   * @throws BundleException when the bytes do not match {@code sha256} or are not a bundle
   */
  ModelBundle loadBundle(String uri, String sha256) {
    try {
      return ModelBundle.fromBytes(store.read(URI.create(uri)), sha256);
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

  /** Stores the checkpoint file of {@code epoch} with the snapshot it was trained on. */
  void saveCheckpoint(
      String model,
      String requestId,
      long runStart,
      Path file,
      int epoch,
      DatasetSnapshot snapshot) {
    try {
      ByteBuffer encoded = snapshot.toByteBuffer();
      long fileSize = Files.size(file);
      int header = 3 * Integer.BYTES + encoded.remaining();
      if (fileSize > Integer.MAX_VALUE - header) {
        throw new IOException("checkpoint of " + fileSize + " bytes is too large to store");
      }
      // One allocation: header, snapshot, then the checkpoint file read straight into place.
      ByteBuffer envelope = ByteBuffer.allocate(header + (int) fileSize);
      envelope.putInt(ENVELOPE_FORMAT).putInt(epoch).putInt(encoded.remaining()).put(encoded);
      try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file)) {
        while (envelope.hasRemaining() && channel.read(envelope) >= 0) {
          // read until the buffer is full
        }
      }
      store.put(
          model + CHECKPOINTS_SUFFIX, requestId + "-" + runStart + "-e" + epoch, envelope.array());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store checkpoint of " + requestId, e);
    }
  }

  /** The latest stored checkpoint of a request, written to {@code target}, if there is one. */
  Optional<SavedCheckpoint> findCheckpoint(String model, String requestId, Path target) {
    List<StoredArtifact> mine =
        store.list(model + CHECKPOINTS_SUFFIX).stream()
            .filter(a -> a.version().startsWith(requestId + "-"))
            .toList();
    if (mine.isEmpty()) {
      return Optional.empty();
    }
    StoredArtifact latest = mine.get(mine.size() - 1);
    byte[] envelope = store.read(latest.uri());
    try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(envelope))) {
      int format = in.readInt();
      if (format != ENVELOPE_FORMAT) {
        return Optional.empty();
      }
      int epoch = in.readInt();
      byte[] snapshotBytes = new byte[in.readInt()];
      in.readFully(snapshotBytes);
      DatasetSnapshot snapshot = DatasetSnapshot.fromByteBuffer(ByteBuffer.wrap(snapshotBytes));
      Path partial = target.resolveSibling(target.getFileName() + ".part");
      Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
      Files.move(
          partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return Optional.of(new SavedCheckpoint(target, epoch, snapshot));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint " + latest.uri(), e);
    }
  }
}
