package dev.flywheel.slm.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.flywheel.slm.ModelBundle;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link ArtifactStore} in a local (or mounted) directory. Layout under the root: {@code
 * blobs/sha256/<first two hex>/<sha256>.zip} holds each distinct bundle once; {@code
 * models/<model>/<version>.json} records which blob a version is. Every file is written to a
 * temporary sibling, flushed and then renamed (blobs) or hard-linked into place (version records,
 * so a concurrent writer of the same version cannot be overwritten silently). URIs are {@code
 * file:} URIs of the blobs. Model names and versions are limited to letters, digits, {@code .},
 * {@code _} and {@code -} so that they are safe path segments.
 */
public final class FileArtifactStore implements ArtifactStore {
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final int WRITE_PIECE = 1 << 20;
  private static final Logger LOG = LoggerFactory.getLogger(FileArtifactStore.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path root;

  /** A store rooted at a directory, created when missing. */
  public FileArtifactStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
    try {
      Files.createDirectories(this.root.resolve("blobs").resolve("sha256"));
      Files.createDirectories(this.root.resolve("models"));
    } catch (IOException e) {
      throw new ArtifactStoreException("cannot create artifact store at " + this.root, e);
    }
  }

  /**
   * The root of the file store a blob URI ({@code file:<root>/blobs/sha256/<xx>/<sha256>.zip})
   * belongs to; empty for any other URI.
   */
  public static Optional<Path> rootOfBlob(URI uri) {
    if (uri.getScheme() == null || !uri.getScheme().equalsIgnoreCase("file")) {
      return Optional.empty();
    }
    Path blob = Path.of(uri).toAbsolutePath().normalize();
    Path prefix = blob.getParent();
    Path sha = prefix == null ? null : prefix.getParent();
    Path blobs = sha == null ? null : sha.getParent();
    if (blobs == null
        || blobs.getParent() == null
        || !sha.getFileName().toString().equals("sha256")
        || !blobs.getFileName().toString().equals("blobs")) {
      return Optional.empty();
    }
    return Optional.of(blobs.getParent());
  }

  /** The root directory. */
  public Path root() {
    return root;
  }

  @Override
  public StoredArtifact put(String modelName, String version, byte[] bundle) {
    checkSegment("model name", modelName);
    checkSegment("version", version);
    return store(
        modelName,
        version,
        sha256(bundle),
        bundle.length,
        blob -> writeAtomically(blob, out -> out.write(bundle)));
  }

  /** Stores the bundle under the sha256 it was built with: no second hash, no copy of the bytes. */
  @Override
  public StoredArtifact put(ModelBundle bundle) {
    String modelName = bundle.manifest().modelName();
    String version = bundle.manifest().version();
    checkSegment("model name", modelName);
    checkSegment("version", version);
    return store(
        modelName,
        version,
        bundle.sha256(),
        bundle.sizeBytes(),
        blob -> writeAtomically(blob, bundle::writeTo));
  }

  /**
   * Hashes the file, flushes it to disk and renames it into the store: its bytes are not copied. A
   * file on another file system is copied (and then removed).
   */
  @Override
  public StoredArtifact moveIn(String modelName, String version, Path file) {
    checkSegment("model name", modelName);
    checkSegment("version", version);
    try {
      String sha256;
      long size;
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        sha256 = sha256(channel);
        size = channel.size();
        channel.force(true);
      }
      return store(
          modelName,
          version,
          sha256,
          size,
          blob -> {
            try {
              Files.move(file, blob, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException otherFileSystem) {
              writeAtomically(blob, out -> Files.copy(file, out));
            }
          });
    } catch (IOException e) {
      throw new ArtifactStoreException("cannot store " + file + ": " + e, e);
    } finally {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // Stored all the same (or refused, as thrown): the caller's copy is only left behind.
        LOG.warn("{} not removed after storing {} {}: {}", file, modelName, version, e.toString());
      }
    }
  }

  /** Puts the content at the blob path (absent when called) so that it appears whole or not. */
  private interface BlobPlacer {
    void place(Path blob) throws IOException;
  }

  private interface BlobWriter {
    void writeTo(OutputStream out) throws IOException;
  }

  private StoredArtifact store(
      String modelName, String version, String sha256, long size, BlobPlacer placer) {
    Path blob = blobPath(sha256);
    try {
      if (!Files.exists(blob)) {
        Files.createDirectories(blob.getParent());
        placer.place(blob);
      }
      StoredArtifact artifact =
          new StoredArtifact(
              modelName, version, blob.toUri(), sha256, size, Instant.now().toString());
      Path record = recordPath(modelName, version);
      Files.createDirectories(record.getParent());
      byte[] json = JSON.writeValueAsBytes(artifact);
      Path tmp = writeTemp(record.getParent(), out -> out.write(json));
      try {
        Files.createLink(record, tmp);
        return artifact;
      } catch (FileAlreadyExistsException e) {
        StoredArtifact existing = readRecord(record);
        if (existing.sha256().equals(sha256)) {
          return existing;
        }
        throw new ArtifactStoreException(
            modelName
                + " version "
                + version
                + " already holds bundle "
                + existing.sha256()
                + "; refusing to replace it with "
                + sha256);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new ArtifactStoreException("cannot store " + modelName + " " + version + ": " + e, e);
    }
  }

  @Override
  public InputStream open(URI uri) {
    try {
      return Files.newInputStream(pathOf(uri));
    } catch (NoSuchFileException e) {
      throw new ArtifactStoreException("no artifact at " + uri, e);
    } catch (IOException e) {
      throw new ArtifactStoreException("cannot open " + uri + ": " + e, e);
    }
  }

  @Override
  public byte[] read(URI uri) {
    try (InputStream in = open(uri)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new ArtifactStoreException("cannot read " + uri + ": " + e, e);
    }
  }

  @Override
  public boolean exists(URI uri) {
    return Files.isRegularFile(pathOf(uri));
  }

  @Override
  public List<StoredArtifact> list(String modelName) {
    checkSegment("model name", modelName);
    Path dir = root.resolve("models").resolve(modelName);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<StoredArtifact> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
        out.add(readRecord(f));
      }
    } catch (IOException e) {
      throw new ArtifactStoreException("cannot list " + dir + ": " + e, e);
    } catch (UncheckedIOException e) {
      throw new ArtifactStoreException("cannot list " + dir + ": " + e.getCause(), e);
    }
    out.sort(Comparator.comparing(StoredArtifact::storedAt).thenComparing(StoredArtifact::version));
    return out;
  }

  @Override
  public Optional<StoredArtifact> find(String modelName, String version) {
    checkSegment("model name", modelName);
    checkSegment("version", version);
    Path record = recordPath(modelName, version);
    if (!Files.exists(record)) {
      return Optional.empty();
    }
    try {
      return Optional.of(readRecord(record));
    } catch (IOException e) {
      throw new ArtifactStoreException("cannot read " + record + ": " + e, e);
    }
  }

  private Path pathOf(URI uri) {
    if (!"file".equalsIgnoreCase(uri.getScheme())) {
      throw new ArtifactStoreException("not a file: URI: " + uri);
    }
    Path path = Path.of(uri).toAbsolutePath().normalize();
    if (!path.startsWith(root)) {
      throw new ArtifactStoreException(uri + " is outside the store at " + root);
    }
    return path;
  }

  private Path blobPath(String sha256) {
    return root.resolve("blobs")
        .resolve("sha256")
        .resolve(sha256.substring(0, 2))
        .resolve(sha256 + ".zip");
  }

  private Path recordPath(String modelName, String version) {
    return root.resolve("models").resolve(modelName).resolve(version + ".json");
  }

  private static StoredArtifact readRecord(Path record) throws IOException {
    return JSON.readValue(record.toFile(), StoredArtifact.class);
  }

  /** Writes a temporary sibling, flushes it and renames it to {@code target}. */
  private static void writeAtomically(Path target, BlobWriter content) throws IOException {
    Path tmp = writeTemp(target.getParent(), content);
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Splits large writes into {@link #WRITE_PIECE} pieces. A file channel copies a heap array
   * through a temporary direct buffer as large as the write: a 33 MB bundle written at once
   * allocated (and faulted in) 33 MB of native memory each time, about 90 ms of a 110 ms store; in
   * 1 MB pieces it reuses one small cached buffer.
   */
  private static OutputStream inPieces(OutputStream out) {
    return new FilterOutputStream(out) {
      @Override
      public void write(byte[] bytes, int offset, int length) throws IOException {
        for (int done = 0; done < length; done += WRITE_PIECE) {
          out.write(bytes, offset + done, Math.min(WRITE_PIECE, length - done));
        }
      }
    };
  }

  private static Path writeTemp(Path dir, BlobWriter content) throws IOException {
    Path tmp = Files.createTempFile(dir, ".put-", ".tmp");
    try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      // Channels' stream wraps each array it is given instead of copying it.
      content.writeTo(inPieces(Channels.newOutputStream(channel)));
      channel.force(true);
    } catch (IOException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    return tmp;
  }

  private static void checkSegment(String what, String value) {
    if (value == null || !SEGMENT.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what + " must match " + SEGMENT.pattern() + " to be stored, got '" + value + "'");
    }
  }

  private static String sha256(FileChannel channel) throws IOException {
    MessageDigest digest = newSha256();
    ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
    while (channel.read(buffer) >= 0) {
      buffer.flip();
      digest.update(buffer);
      buffer.clear();
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  private static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(newSha256().digest(bytes));
  }
}
