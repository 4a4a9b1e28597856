package dev.flywheel.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The platform's data directory holds user data (training texts, prediction inputs in Kafka
 * segments, model bundles) and the API keys: it is made owner-only ({@code 0700}), so that the
 * files inside, whatever mode the broker or a library gives them, cannot be reached by other local
 * users. A directory kept from an earlier, more open version is tightened at start.
 */
final class DataDirectory {
  static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

  private DataDirectory() {}

  /** Creates {@code dir} if needed and makes it owner-only where the file system has modes. */
  static void ensurePrivate(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir);
      }
      if (Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null
          && !Files.getPosixFilePermissions(dir).equals(OWNER_ONLY)) {
        Files.setPosixFilePermissions(dir, OWNER_ONLY);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the data directory " + dir + " owner-only", e);
    }
  }
}
