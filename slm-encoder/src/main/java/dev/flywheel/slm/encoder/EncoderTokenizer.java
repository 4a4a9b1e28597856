package dev.flywheel.slm.encoder;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A base model's word-piece tokenizer (the Hugging Face {@code tokenizer.json} through DJL's
 * binding), with truncation, padding and the maximum length set explicitly: the file's own padding
 * settings are not applied by the binding, so none are relied on. Each sequence is {@code [CLS]
 * pieces [SEP]}, at most {@link #maxLength()} ids long. Thread-safe.
 */
public final class EncoderTokenizer implements AutoCloseable {
  private final HuggingFaceTokenizer tokenizer;
  private final int maxLength;

  private EncoderTokenizer(HuggingFaceTokenizer tokenizer, int maxLength) {
    this.tokenizer = tokenizer;
    this.maxLength = maxLength;
  }

  /**
   * Loads a {@code tokenizer.json}.
   *
   * @param maxLength the longest sequence, special tokens included (at least 3)
   * @param source names the tokenizer in error messages
   * @throws WeightFormatException when the file is not a tokenizer definition
   */
  public static EncoderTokenizer create(byte[] tokenizerJson, int maxLength, String source) {
    if (maxLength < 3) {
      throw new IllegalArgumentException("max length must be at least 3, got " + maxLength);
    }
    Map<String, String> options =
        Map.of(
            "addSpecialTokens", "true",
            "truncation", "true",
            "padding", "false",
            "maxLength", Integer.toString(maxLength),
            "stride", "0",
            "modelMaxLength", Integer.toString(maxLength));
    try {
      return new EncoderTokenizer(
          HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), options),
          maxLength);
    } catch (IOException | RuntimeException e) {
      throw new WeightFormatException(
          source + ": not a usable tokenizer.json: " + e.getMessage(), e);
    }
  }

  /** The longest sequence it produces, special tokens included. */
  public int maxLength() {
    return maxLength;
  }

  /** The ids of a text, truncated to {@link #maxLength()}. */
  public long[] encode(String text) {
    return tokenizer.encode(text, true, false).getIds();
  }

  /**
   * A text cut into consecutive windows of at most {@link #maxLength()} ids, each framed by the
   * special tokens; at most {@code maxWindows} of them, from the start.
   */
  public List<long[]> windows(String text, int maxWindows) {
    Encoding first = tokenizer.encode(text, true, true);
    List<long[]> out = new ArrayList<>();
    out.add(first.getIds());
    Encoding[] overflowing = first.getOverflowing();
    for (int i = 0; i < overflowing.length && out.size() < maxWindows; i++) {
      out.add(overflowing[i].getIds());
    }
    return out;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
