package dev.flywheel.slm.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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

  /** The root directory. */
  public Path root() {
    return root;
  }

  @Override
  public StoredArtifact put(String modelName, String version, byte[] bundle) {
    checkSegment("model name", modelName);
    checkSegment("version", version);
    String sha256 = sha256(bundle);
    Path blob = blobPath(sha256);
    try {
      if (!Files.exists(blob)) {
        Files.createDirectories(blob.getParent());
        Path tmp = writeTemp(blob.getParent(), bundle);
        try {
          Files.move(
              tmp, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      StoredArtifact artifact =
          new StoredArtifact(
              modelName, version, blob.toUri(), sha256, bundle.length, Instant.now().toString());
      Path record = recordPath(modelName, version);
      Files.createDirectories(record.getParent());
      Path tmp = writeTemp(record.getParent(), JSON.writeValueAsBytes(artifact));
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

  private static Path writeTemp(Path dir, byte[] content) throws IOException {
    Path tmp = Files.createTempFile(dir, ".put-", ".tmp");
    try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(content);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
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

  private static String sha256(byte[] bytes) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }
}
