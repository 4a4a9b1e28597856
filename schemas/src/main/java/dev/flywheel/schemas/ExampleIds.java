package dev.flywheel.schemas;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The identity of a labeled example: a hash of the model name and the normalised text, so that the
 * same text sent twice (differing only in case, spacing or Unicode form) is one example, and its
 * latest label wins on the compacted examples topic.
 */
public final class ExampleIds {
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

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
    return WHITESPACE.matcher(nfkc).replaceAll(" ").trim();
  }

  static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
