package dev.flywheel.slm.data;

import dev.flywheel.slm.Example;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A labeled dataset from a UTF-8 file of {@code label<TAB>text} lines, for users who bring their
 * own data. Blank lines are skipped; a text that occurs again (after trimming) is dropped, whether
 * with the same label (a duplicate) or another one (a conflict: the first label wins). Example ids
 * are {@code tsv-} plus the first 16 hex digits of the text's sha256, so they do not depend on line
 * order.
 *
 * @param examples the examples in file order
 * @param duplicatesRemoved later lines that repeated an earlier text with the same label
 * @param conflictsRemoved later lines that repeated an earlier text with another label
 */
public record TsvDataset(List<Example> examples, int duplicatesRemoved, int conflictsRemoved) {

  /**
   * Reads a file.
   *
   * @throws DatasetException for an unreadable file or a malformed line (invalid UTF-8, no tab,
   *     empty label or empty text), naming the line number and reason
   */
  public static TsvDataset read(Path file) {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      return read(in, file.toString());
    } catch (IOException e) {
      throw new DatasetException("cannot read " + file + ": " + e.getMessage(), 0, e);
    }
  }

  /**
   * Reads a stream of the same format (the caller closes it); {@code source} names it in errors.
   *
   * @throws DatasetException for an unreadable stream or a malformed line
   */
  public static TsvDataset read(InputStream in, String source) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    List<Example> examples = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    int duplicates = 0;
    int conflicts = 0;
    long lineNumber = 0;
    // Lines are split as bytes and decoded one by one, so invalid UTF-8 is blamed on its own line.
    try {
      byte[] raw;
      while ((raw = nextLine(in)) != null) {
        String line;
        try {
          line = decoder.decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
          throw malformed(source, lineNumber + 1, "not valid UTF-8", e);
        }
        lineNumber++;
        if (lineNumber == 1 && line.startsWith("\uFEFF")) {
          line = line.substring(1);
        }
        if (line.endsWith("\r")) {
          line = line.substring(0, line.length() - 1);
        }
        if (line.isBlank()) {
          continue;
        }
        int tab = line.indexOf('\t');
        if (tab < 0) {
          throw malformed(source, lineNumber, "no tab between label and text", null);
        }
        String label = line.substring(0, tab).trim();
        String text = line.substring(tab + 1).trim();
        if (label.isEmpty()) {
          throw malformed(source, lineNumber, "empty label", null);
        }
        if (text.isEmpty()) {
          throw malformed(source, lineNumber, "empty text", null);
        }
        String previous = seen.putIfAbsent(text, label);
        if (previous != null) {
          if (previous.equals(label)) {
            duplicates++;
          } else {
            conflicts++;
          }
          continue;
        }
        examples.add(new Example("tsv-" + textHash(text), text, label));
      }
    } catch (IOException e) {
      throw new DatasetException("cannot read " + source + ": " + e.getMessage(), 0, e);
    }
    return new TsvDataset(List.copyOf(examples), duplicates, conflicts);
  }

  /** The next line's bytes without its {@code \\n}, or null at the end of the stream. */
  private static byte[] nextLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(128);
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        return line.toByteArray();
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toByteArray();
  }

  private static DatasetException malformed(
      String file, long line, String reason, Throwable cause) {
    return new DatasetException(file + " line " + line + ": " + reason, line, cause);
  }

  private static String textHash(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }
}
