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

  /** Features per example: token ids, then (bag with bigrams) one hashed id per adjacent pair. */
  static int inputLength(Hyperparameters h) {
    int n = h.sequenceLength();
    return h.architecture() == Architecture.BAG && h.bigrams() ? 2 * n - 1 : n;
  }

  /** The input shape used to initialise a block (batch of one). */
  static Shape inputShape(Hyperparameters h) {
    return new Shape(1, inputLength(h));
  }

  /**
   * Model input for one encoded text. Bigram ids live after the vocabulary ({@code vocabularySize +
   * bucket}); a pair that touches {@code [PAD]} gets id 0 so the bag mean ignores it.
   */
  static int[] features(int[] tokenIds, Hyperparameters h, int vocabularySize) {
    if (h.architecture() != Architecture.BAG || !h.bigrams()) {
      return tokenIds;
    }
    int n = tokenIds.length;
    int[] out = new int[2 * n - 1];
    System.arraycopy(tokenIds, 0, out, 0, n);
    for (int i = 0; i + 1 < n; i++) {
      int a = tokenIds[i];
      int b = tokenIds[i + 1];
      out[n + i] =
          a == Tokenizer.PAD_ID || b == Tokenizer.PAD_ID
              ? Tokenizer.PAD_ID
              : vocabularySize + bucket(a, b, h.bigramBuckets());
    }
    return out;
  }

  private static int bucket(int a, int b, int buckets) {
    // SplitMix64 finaliser: a fixed, well-mixed hash so bucket ids never depend on the JVM.
    long z = ((long) a << 32) ^ (b & 0xffffffffL);
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    z = z ^ (z >>> 31);
    return (int) Long.remainderUnsigned(z, buckets);
  }
}
