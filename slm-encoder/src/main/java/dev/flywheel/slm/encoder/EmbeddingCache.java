package dev.flywheel.slm.encoder;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sentence embeddings of a frozen encoder by the sha256 of (base model sha256, max length, windows,
 * text): a retrain of a {@code head} model on a grown dataset encodes only the texts it has not
 * seen. Thread-safe; held in memory.
 */
public final class EmbeddingCache {
  private final Map<String, float[]> embeddings = new ConcurrentHashMap<>();
  private final AtomicLong encoded = new AtomicLong();

  /** Embeddings of texts, encoding (and keeping) only those not cached yet. */
  public float[][] embed(
      SentenceEncoder encoder, String baseSha256, EncoderOptions options, List<String> texts) {
    String[] keys = new String[texts.size()];
    Map<String, String> missing = new java.util.LinkedHashMap<>();
    for (int i = 0; i < keys.length; i++) {
      keys[i] = key(baseSha256, options, texts.get(i));
      if (!embeddings.containsKey(keys[i])) {
        missing.putIfAbsent(keys[i], texts.get(i));
      }
    }
    if (!missing.isEmpty()) {
      List<String> missingTexts = new ArrayList<>(missing.values());
      List<String> missingKeys = new ArrayList<>(missing.keySet());
      float[][] fresh =
          options.windows() > 1
              ? encoder.embedChunked(missingTexts, options.windows())
              : encoder.embed(missingTexts);
      for (int i = 0; i < fresh.length; i++) {
        embeddings.put(missingKeys.get(i), fresh[i]);
      }
      encoded.addAndGet(missingTexts.size());
    }
    float[][] out = new float[keys.length][];
    for (int i = 0; i < keys.length; i++) {
      out[i] = embeddings.get(keys[i]);
    }
    return out;
  }

  /** How many texts were encoded (cache misses) since creation. */
  public long encodedTexts() {
    return encoded.get();
  }

  /** How many embeddings are held. */
  public int size() {
    return embeddings.size();
  }

  private static String key(String baseSha256, EncoderOptions options, String text) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(
          (baseSha256 + "\0" + options.maxLength() + "\0" + options.windows() + "\0")
              .getBytes(StandardCharsets.UTF_8));
      d.update(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
