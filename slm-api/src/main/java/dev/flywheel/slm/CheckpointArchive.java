package dev.flywheel.slm;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The container of the recipes' training checkpoints: a zip of named entries that replaces its file
 * atomically (written to a temporary file in the same directory, then moved), so a reader or a
 * worker that takes a run over sees the previous checkpoint or the new one, never half of one.
 */
public final class CheckpointArchive {
  private CheckpointArchive() {}

  /**
   * One entry.
   *
   * @param compress deflated (fast) when true; stored when false, as float parameters barely
   *     compress and deflating them costs seconds per epoch
   */
  public record Entry(String name, byte[] content, boolean compress) {}

  /** Replaces {@code file} with the entries, atomically. */
  public static void write(Path file, List<Entry> entries) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".checkpoint-", ".tmp");
    try {
      try (OutputStream out = Files.newOutputStream(tmp);
          ZipOutputStream zip = new ZipOutputStream(out)) {
        for (Entry e : entries) {
          zip.setLevel(e.compress() ? Deflater.BEST_SPEED : Deflater.NO_COMPRESSION);
          zip.putNextEntry(new ZipEntry(e.name()));
          zip.write(e.content());
          zip.closeEntry();
        }
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * The entries of a checkpoint file by name.
   *
   * @throws IOException when it cannot be read or is not a zip
   */
  public static Map<String, byte[]> read(Path file) throws IOException {
    Map<String, byte[]> entries = new HashMap<>();
    try (ZipInputStream zip =
        new ZipInputStream(new ByteArrayInputStream(Files.readAllBytes(file)))) {
      ZipEntry entry;
      while ((entry = zip.getNextEntry()) != null) {
        entries.put(entry.getName(), zip.readAllBytes());
      }
    }
    return entries;
  }
}
