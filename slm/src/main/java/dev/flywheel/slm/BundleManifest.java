package dev.flywheel.slm;

import java.util.List;
import java.util.Map;

/**
 * The {@code manifest.json} of a model bundle: what the model is, how it was trained and from what.
 *
 * @param format always {@link ModelBundle#FORMAT}
 * @param formatVersion bundle layout version; a reader refuses newer versions than it knows
 * @param modelName name of the model (its spec's key)
 * @param version version of this model
 * @param task always {@code text-classification} for now
 * @param architecture {@code bag}, {@code lstm} or {@code transformer}
 * @param hyperparameters {@link Hyperparameters#toMap()} of the run
 * @param labels output labels in model order
 * @param tokenizer how texts become ids
 * @param vocabularyHash sha256 of {@code vocabulary.txt}
 * @param parametersSha256 sha256 of {@code parameters.djl}
 * @param trainingMetrics figures of the run (e.g. {@code validationAccuracy}, {@code epochsRun})
 * @param lineage where the model comes from
 * @param createdAt ISO-8601 UTC instant
 * @param djlVersion DJL version that wrote the parameters
 * @param engine deep-learning engine name ({@code PyTorch})
 * @param engineVersion engine version, e.g. {@code 2.7.1}
 * @param device device that trained, e.g. {@code cpu()} or {@code gpu(0)}
 */
public record BundleManifest(
    String format,
    int formatVersion,
    String modelName,
    String version,
    String task,
    String architecture,
    Map<String, String> hyperparameters,
    List<String> labels,
    TokenizerInfo tokenizer,
    String vocabularyHash,
    String parametersSha256,
    Map<String, Double> trainingMetrics,
    Lineage lineage,
    String createdAt,
    String djlVersion,
    String engine,
    String engineVersion,
    String device) {

  /**
   * Tokenizer settings.
   *
   * @param normalization text normalisation applied before splitting
   * @param segmentation how text is split into tokens
   * @param sequenceLength ids per text
   * @param vocabularySize entries of {@code vocabulary.txt}
   * @param pad padding token (id 0)
   * @param unk unknown token (id 1)
   */
  public record TokenizerInfo(
      String normalization,
      String segmentation,
      int sequenceLength,
      int vocabularySize,
      String pad,
      String unk) {

    static TokenizerInfo of(Tokenizer tokenizer) {
      return new TokenizerInfo(
          "NFKC, lower case (Locale.ROOT)",
          "letters, digits and marks form words; each Han, Hiragana, Katakana, Hangul character"
              + " is a token; anything else separates",
          tokenizer.sequenceLength(),
          tokenizer.vocabularySize(),
          Tokenizer.PAD,
          Tokenizer.UNK);
    }
  }

  /**
   * Provenance of the model.
   *
   * @param parentVersion version of the model this one succeeds, null for a first model
   * @param parentSha256 sha256 of the parent's bundle, null for a first model
   * @param datasetSnapshot opaque description of the training data, e.g. topic offsets
   * @param requestId the training request's correlation id, may be null
   * @param warmStarted whether training started from the parent's parameters
   */
  public record Lineage(
      String parentVersion,
      String parentSha256,
      Map<String, String> datasetSnapshot,
      String requestId,
      boolean warmStarted) {}
}
