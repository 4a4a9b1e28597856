package dev.flywheel.slm;

import java.util.Collection;

/**
 * The bag's sequence length chosen from the texts it will see: the token count that holds 95 % of
 * them, rounded up to a multiple of 16, between {@link #MIN} and {@link #MAX}. Chinese, Japanese
 * and Korean text is one token per character, so a fixed 48 tokens cut a median Tang poem in half
 * and cost the bag 4-5 points against the reference; English glosses stay at the minimum (see
 * bench/README.md, section slm).
 */
public final class SequenceLengths {
  /** The shortest chosen length: the library's default. */
  public static final int MIN = 48;

  /** The longest chosen length. */
  public static final int MAX = 256;

  private SequenceLengths() {}

  /** The length that holds 95 % of {@code texts} (tokenized as the bag does), within the bounds. */
  public static int covering(Collection<String> texts) {
    int[] lengths = texts.stream().mapToInt(t -> Tokenizer.tokenize(t).size()).sorted().toArray();
    if (lengths.length == 0) {
      return MIN;
    }
    int p95 = lengths[(int) Math.ceil(0.95 * lengths.length) - 1];
    int rounded = (p95 + 15) / 16 * 16;
    return Math.max(MIN, Math.min(MAX, rounded));
  }
}
