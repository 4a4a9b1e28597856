package dev.flywheel.slm;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;

/** Builds each architecture's block and the integer features it reads. */
final class Networks {
  private Networks() {}

  static Block build(Hyperparameters h, int vocabularySize, int labels) {
    return switch (h.architecture()) {
      case BAG ->
          new BagBlock(
              vocabularySize + (h.bigrams() ? h.bigramBuckets() : 0),
              h.embeddingDim(),
              h.dropout(),
              labels);
      case LSTM ->
          new LstmClassifierBlock(
              vocabularySize, h.embeddingDim(), h.hiddenDim(), h.dropout(), labels);
      case TRANSFORMER ->
          new TransformerClassifierBlock(
              vocabularySize,
              h.sequenceLength(),
              h.embeddingDim(),
              h.hiddenDim(),
              h.layers(),
              h.heads(),
              h.dropout(),
              labels);
    };
  }

  /**
   * Features per example: token ids, then (bag with bigrams) one hashed id per adjacent pair, then
   * (bag with {@code cjkNgrams} 3) one hashed id per three adjacent tokens.
   */
  static int inputLength(Hyperparameters h) {
    int n = h.sequenceLength();
    if (h.architecture() != Architecture.BAG || !h.bigrams()) {
      return n;
    }
    return trigrams(h) ? 3 * n - 3 : 2 * n - 1;
  }

  private static boolean trigrams(Hyperparameters h) {
    return h.cjkNgrams() >= 3 && h.sequenceLength() >= 3;
  }

  /** The input shape used to initialise a block (batch of one). */
  static Shape inputShape(Hyperparameters h) {
    return new Shape(1, inputLength(h));
  }

  /**
   * Model input for one encoded text. Bigram ids live after the vocabulary ({@code vocabularySize +
   * bucket}); a pair that touches {@code [PAD]} gets id 0 so the bag mean ignores it. With {@code
   * cjkNgrams} 3, three adjacent tokens that are each one Han, Kana or Hangul character also get a
   * hashed id in the same buckets (salted apart from the pairs): character trigrams, which carry
   * the words of scripts written without spaces; any other triple gets id 0.
   */
  static int[] features(int[] tokenIds, Hyperparameters h, Tokenizer tokenizer) {
    if (h.architecture() != Architecture.BAG || !h.bigrams()) {
      return tokenIds;
    }
    int vocabularySize = tokenizer.vocabularySize();
    int n = tokenIds.length;
    int[] out = new int[inputLength(h)];
    System.arraycopy(tokenIds, 0, out, 0, n);
    for (int i = 0; i + 1 < n; i++) {
      int a = tokenIds[i];
      int b = tokenIds[i + 1];
      out[n + i] =
          a == Tokenizer.PAD_ID || b == Tokenizer.PAD_ID
              ? Tokenizer.PAD_ID
              : vocabularySize + bucket(a, b, h.bigramBuckets());
    }
    if (trigrams(h)) {
      int offset = 2 * n - 1;
      for (int i = 0; i + 2 < n; i++) {
        int a = tokenIds[i];
        int b = tokenIds[i + 1];
        int c = tokenIds[i + 2];
        boolean cjk =
            tokenizer.isCjkCharacter(a)
                && tokenizer.isCjkCharacter(b)
                && tokenizer.isCjkCharacter(c);
        out[offset + i] =
            cjk ? vocabularySize + bucket(TRIGRAM_SALT ^ a, pairKey(b, c), h.bigramBuckets()) : 0;
      }
    }
    return out;
  }

  private static final int TRIGRAM_SALT = 0x5bd1e995;

  private static int pairKey(int b, int c) {
    return (int) mix(((long) b << 32) ^ (c & 0xffffffffL));
  }

  private static int bucket(int a, int b, int buckets) {
    return (int) Long.remainderUnsigned(mix(((long) a << 32) ^ (b & 0xffffffffL)), buckets);
  }

  // SplitMix64 finaliser: a fixed, well-mixed hash so bucket ids never depend on the JVM.
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
