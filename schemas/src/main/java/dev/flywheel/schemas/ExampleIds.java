package dev.flywheel.schemas;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The identity of a labeled example: a hash of the model name and the normalised text, so that the
 * same text sent twice (differing only in case, spacing or Unicode form) is one example, and its
 * latest label wins on the compacted examples topic.
 */
public final class ExampleIds {
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every JVM has SHA-256", e);
            }
          });

  private ExampleIds() {}

  /**
   * The example id of {@code text} for {@code model}: the first 32 hex characters of {@code
   * sha256(model + "\u0000" + normalise(text))}.
   */
  public static String of(String model, String text) {
    byte[] digest = sha256(model + "\u0000" + normalise(text));
    return HexFormat.of().formatHex(digest, 0, 16);
  }

  /**
   * Text as the example id sees it: Unicode NFKC, lower case, runs of whitespace collapsed to one
   * space, trimmed.
   */
  public static String normalise(String text) {
    String nfkc = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    return collapseWhitespace(nfkc).trim();
  }

  /** Each run of regex {@code \s} characters (ASCII whitespace) replaced by one space. */
  private static String collapseWhitespace(String text) {
    StringBuilder out = null;
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (!whitespace(c)) {
        if (out != null) {
          out.append(c);
        }
        continue;
      }
      int end = i + 1;
      while (end < n && whitespace(text.charAt(end))) {
        end++;
      }
      if (out == null) {
        if (c == ' ' && end == i + 1) {
          continue;
        }
        out = new StringBuilder(n).append(text, 0, i);
      }
      out.append(' ');
      i = end - 1;
    }
    return out == null ? text : out.toString();
  }

  private static boolean whitespace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
  }

  static byte[] sha256(String text) {
    return SHA256.get().digest(text.getBytes(StandardCharsets.UTF_8));
  }
}
