package dev.flywheel.slm.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** {@link SuppliedFiles} on the local file system: {@code file:} URIs. */
final class LocalFiles implements SuppliedFiles {
  static final LocalFiles INSTANCE = new LocalFiles();

  private LocalFiles() {}

  @Override
  public Optional<Stamp> stamp(URI file) {
    Path path = path(file);
    try {
      if (!Files.isRegularFile(path)) {
        return Optional.empty();
      }
      return Optional.of(
          new Stamp(Files.size(path), Long.toString(Files.getLastModifiedTime(path).toMillis())));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new ArtifactStoreException("cannot read " + file + ": " + e, e);
    }
  }

  @Override
  public byte[] read(URI file, long maxBytes) {
    Path path = path(file);
    try (InputStream in = Files.newInputStream(path)) {
      return Limits.readAtMost(in, maxBytes, file);
    } catch (NoSuchFileException e) {
      throw new ArtifactStoreException("no file at " + file, e);
    } catch (IOException e) {
      throw new ArtifactStoreException("cannot read " + file + ": " + e, e);
    }
  }

  @Override
  public byte[] readStart(URI file, int length) {
    try (InputStream in = Files.newInputStream(path(file))) {
      return in.readNBytes(length);
    } catch (NoSuchFileException e) {
      throw new ArtifactStoreException("no file at " + file, e);
    } catch (IOException e) {
      throw new ArtifactStoreException("cannot read " + file + ": " + e, e);
    }
  }

  private static Path path(URI file) {
    if (file.getScheme() == null) {
      return Path.of(file.getPath());
    }
    if (!file.getScheme().equalsIgnoreCase("file")) {
      throw new ArtifactStoreException("not a file: URI: " + file);
    }
    return Path.of(file);
  }
}
