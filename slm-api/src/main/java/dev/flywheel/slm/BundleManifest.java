package dev.flywheel.slm;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.HashMap;
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
 * @param architecture the recipe that reads the bundle: {@code bag}, {@code lstm}, {@code
 *     transformer} (built in) or one a {@link ModelRecipe} on the classpath serves ({@code
 *     encoder})
 * @param hyperparameters {@link Hyperparameters#toMap()} of the run
 * @param labels output labels in model order
 * @param tokenizer how texts become ids; null for a recipe that keeps its own tokenizer
 * @param vocabularyHash sha256 of {@code vocabulary.txt}; null without one
 * @param parametersSha256 sha256 of {@code parameters.djl}; null without one
 * @param trainingMetrics figures of the run (e.g. {@code validationAccuracy}, {@code epochsRun})
 * @param lineage where the model comes from
 * @param createdAt ISO-8601 UTC instant
 * @param djlVersion DJL version that wrote the parameters
 * @param engine deep-learning engine name ({@code PyTorch})
 * @param engineVersion engine version, e.g. {@code 2.7.1}
 * @param device device that trained, e.g. {@code cpu()} or {@code gpu(0)}
 * @param files format 2: the sha256 of each recipe entry by name (every entry but the manifest)
 * @param baseModel the pretrained base model the model was fine-tuned from, if any: the model card
 *     names it, and a recipe that refers to its weights verifies them by this sha256
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
    String device,
    @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> files,
    @JsonInclude(JsonInclude.Include.NON_NULL) BaseModelInfo baseModel) {

  /** A format-1 manifest (no recipe entries, no base model), as the built-in recipes write. */
  public BundleManifest(
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
    this(
        format,
        formatVersion,
        modelName,
        version,
        task,
        architecture,
        hyperparameters,
        labels,
        tokenizer,
        vocabularyHash,
        parametersSha256,
        trainingMetrics,
        lineage,
        createdAt,
        djlVersion,
        engine,
        engineVersion,
        device,
        null,
        null);
  }

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
      boolean warmStarted) {

    /** The lineage of a model trained for {@code request}: its parent, data and request. */
    public static Lineage of(TrainingRequest request, boolean warmStarted) {
      ModelBundle parent = request.parent().orElse(null);
      return new Lineage(
          parent == null ? null : parent.manifest().version(),
          parent == null ? null : parent.sha256(),
          new HashMap<>(request.datasetSnapshot()),
          request.requestId().orElse(null),
          warmStarted);
    }
  }
}
