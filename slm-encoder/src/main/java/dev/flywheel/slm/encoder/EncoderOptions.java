package dev.flywheel.slm.encoder;

/**
 * How an encoder classifier trains and reads text.
 *
 * @param fineTune which weights train
 * @param maxLength the longest window, in tokens, special tokens included
 * @param windows how many windows of a long text are embedded and averaged (1: truncate)
 * @param maxEpochs the most passes over the training examples
 * @param batchSize examples per step
 * @param learningRate peak learning rate of AdamW
 * @param weightDecay AdamW's decoupled weight decay (matrices only)
 * @param warmupFraction share of the steps over which the rate rises linearly from 0 before
 *     decaying linearly to 0
 * @param clipNorm the largest global gradient norm; larger gradients are scaled down
 * @param patience epochs without a better validation accuracy before stopping
 * @param dropout dropout rate in trainable layers and before the head
 * @param seed shuffling and initialisation seed
 */
public record EncoderOptions(
    FineTune fineTune,
    int maxLength,
    int windows,
    int maxEpochs,
    int batchSize,
    float learningRate,
    float weightDecay,
    float warmupFraction,
    float clipNorm,
    int patience,
    float dropout,
    long seed) {

  /** Checks the ranges. */
  public EncoderOptions {
    check(maxLength >= 3, "max length must be at least 3");
    check(windows >= 1, "windows must be at least 1");
    check(maxEpochs >= 1, "max epochs must be at least 1");
    check(batchSize >= 1, "batch size must be at least 1");
    check(learningRate > 0 && Float.isFinite(learningRate), "learning rate must be positive");
    check(weightDecay >= 0, "weight decay must not be negative");
    check(warmupFraction >= 0 && warmupFraction < 1, "warm-up fraction must be in [0, 1)");
    check(clipNorm > 0, "clip norm must be positive");
    check(patience >= 1, "patience must be at least 1");
    check(dropout >= 0 && dropout < 1, "dropout must be in [0, 1)");
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Defaults for a fine-tune mode: a high rate for a head alone, a low one for encoder layers. */
  public static EncoderOptions defaults(FineTune fineTune) {
    if (fineTune.headOnly()) {
      return new EncoderOptions(fineTune, 128, 1, 60, 32, 3e-3f, 0.01f, 0.05f, 1f, 8, 0.1f, 17);
    }
    return new EncoderOptions(fineTune, 128, 1, 8, 16, 1e-4f, 0.01f, 0.1f, 1f, 3, 0.1f, 17);
  }

  /** A copy with another fine-tune mode. */
  public EncoderOptions withFineTune(FineTune f) {
    return new EncoderOptions(
        f,
        maxLength,
        windows,
        maxEpochs,
        batchSize,
        learningRate,
        weightDecay,
        warmupFraction,
        clipNorm,
        patience,
        dropout,
        seed);
  }

  /** A copy with other epochs and learning rate. */
  public EncoderOptions withSchedule(int epochs, float rate) {
    return new EncoderOptions(
        fineTune,
        maxLength,
        windows,
        epochs,
        batchSize,
        rate,
        weightDecay,
        warmupFraction,
        clipNorm,
        patience,
        dropout,
        seed);
  }

  /** A copy with another length and window count. */
  public EncoderOptions withLength(int length, int windowCount) {
    return new EncoderOptions(
        fineTune,
        length,
        windowCount,
        maxEpochs,
        batchSize,
        learningRate,
        weightDecay,
        warmupFraction,
        clipNorm,
        patience,
        dropout,
        seed);
  }

  /** A copy with another batch size. */
  public EncoderOptions withBatchSize(int size) {
    return new EncoderOptions(
        fineTune,
        maxLength,
        windows,
        maxEpochs,
        size,
        learningRate,
        weightDecay,
        warmupFraction,
        clipNorm,
        patience,
        dropout,
        seed);
  }
}
