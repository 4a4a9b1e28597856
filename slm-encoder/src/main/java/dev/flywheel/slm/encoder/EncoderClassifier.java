package dev.flywheel.slm.encoder;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The {@code encoder} classifier: a base encoder, mean pooling and a linear head over the labels.
 * Saved as a zip of {@code encoder-model.json} (base model name and sha256, fine-tune mode, max
 * length, windows, labels), {@code head.safetensors} and, unless only the head was trained, {@code
 * encoder.safetensors}: a {@code head} model refers to its base weights by sha256 instead of
 * copying them, and loading verifies them. One instance per thread unless {@link #threadSafe()}.
 */
public final class EncoderClassifier implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long FIXED_TIME = 315532800000L;

  private final BaseModelCard base;
  private final EncoderOptions options;
  private final List<String> labels;
  private final float[] headWeight; // (labels, H) row-major
  private final float[] headBias;
  private final Map<String, Tensor> encoderWeights; // null when the base weights are used
  private final SentenceEncoder encoder;

  EncoderClassifier(
      BaseModel base,
      EncoderOptions options,
      List<String> labels,
      float[] headWeight,
      float[] headBias,
      Map<String, Tensor> encoderWeights,
      Device device) {
    this.base = base.card();
    this.options = options;
    this.labels = List.copyOf(labels);
    this.headWeight = headWeight;
    this.headBias = headBias;
    this.encoderWeights = encoderWeights;
    this.encoder =
        SentenceEncoder.open(
            base,
            encoderWeights == null ? base.weights() : encoderWeights,
            options.maxLength(),
            device);
  }

  /** The base model's card. */
  public BaseModelCard base() {
    return base;
  }

  /** Whether several threads may use it at once (its encoder runs in ONNX Runtime). */
  public boolean threadSafe() {
    return encoder.threadSafe();
  }

  /** The engine its encoder runs on. */
  public SentenceEncoder.Engine engine() {
    return encoder.engine();
  }

  /** The labels, in score order. */
  public List<String> labels() {
    return labels;
  }

  /** The options it was trained with. */
  public EncoderOptions options() {
    return options;
  }

  /** Sentence embeddings as this classifier reads texts (truncated or chunked). */
  public float[][] embed(List<String> texts) {
    return options.windows() > 1
        ? encoder.embedChunked(texts, options.windows())
        : encoder.embed(texts);
  }

  /** Label probabilities per text, in {@link #labels()} order. */
  public float[][] scores(List<String> texts) {
    return scoresOf(embed(texts));
  }

  /** Label probabilities for sentence embeddings. */
  float[][] scoresOf(float[][] embeddings) {
    int n = labels.size();
    int dim = embeddings.length == 0 ? 0 : embeddings[0].length;
    float[][] out = new float[embeddings.length][n];
    for (int i = 0; i < embeddings.length; i++) {
      double max = Double.NEGATIVE_INFINITY;
      double[] logits = new double[n];
      for (int l = 0; l < n; l++) {
        double z = headBias[l];
        for (int d = 0; d < dim; d++) {
          z += headWeight[l * dim + d] * embeddings[i][d];
        }
        logits[l] = z;
        max = Math.max(max, z);
      }
      double sum = 0;
      for (int l = 0; l < n; l++) {
        logits[l] = Math.exp(logits[l] - max);
        sum += logits[l];
      }
      for (int l = 0; l < n; l++) {
        out[i][l] = (float) (logits[l] / sum);
      }
    }
    return out;
  }

  /** Saves this classifier; a {@code head} model holds only its head and the base's sha256. */
  public byte[] save() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> e : saveEntries().entrySet()) {
        entry(zip, e.getKey(), e.getValue());
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot save encoder classifier", e);
    }
    return bytes.toByteArray();
  }

  /**
   * The saved form as named entries (what {@link #save()} zips, and what a model bundle carries):
   * {@code encoder-model.json}, {@code head.safetensors} and, unless only the head was trained,
   * {@code encoder.safetensors}.
   */
  public Map<String, byte[]> saveEntries() {
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("format", 1);
    manifest.put("architecture", "encoder");
    manifest.put("base_model", base.name());
    manifest.put("base_sha256", base.sha256());
    manifest.put("fine_tune", options.fineTune().toString());
    manifest.put("max_length", options.maxLength());
    manifest.put("windows", options.windows());
    manifest.put("labels", labels);
    Map<String, Object> training = new LinkedHashMap<>();
    training.put("max_epochs", options.maxEpochs());
    training.put("batch_size", options.batchSize());
    training.put("learning_rate", options.learningRate());
    training.put("weight_decay", options.weightDecay());
    training.put("warmup_fraction", options.warmupFraction());
    training.put("clip_norm", options.clipNorm());
    training.put("patience", options.patience());
    training.put("dropout", options.dropout());
    training.put("seed", options.seed());
    manifest.put("training", training);
    Map<String, byte[]> out = new LinkedHashMap<>();
    try {
      out.put(
          "encoder-model.json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
    } catch (IOException e) {
      throw new IllegalStateException("cannot save encoder classifier", e);
    }
    int dim = headWeight.length / labels.size();
    out.put(
        "head.safetensors",
        Safetensors.write(
            List.of(
                new Tensor("head.weight", new long[] {labels.size(), dim}, headWeight),
                new Tensor("head.bias", new long[] {labels.size()}, headBias))));
    if (encoderWeights != null) {
      out.put("encoder.safetensors", Safetensors.write(encoderWeights.values()));
    }
    return out;
  }

  /** The head's weights (labels x hidden, row-major) and bias, for a warm start. */
  float[] headWeight() {
    return headWeight.clone();
  }

  float[] headBias() {
    return headBias.clone();
  }

  /** The fine-tuned encoder weights; null when the base's are used unchanged. */
  Map<String, Tensor> encoderWeights() {
    return encoderWeights;
  }

  /**
   * Loads a saved classifier, reading (and verifying) its base model from the catalogue.
   *
   * @throws BaseModelException when the base weights are missing or do not match their sha256
   * @throws WeightFormatException when the saved model is malformed
   */
  public static EncoderClassifier load(byte[] saved, BaseModels catalogue, Device device) {
    Map<String, byte[]> entries = new HashMap<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(saved))) {
      ZipEntry e;
      while ((e = zip.getNextEntry()) != null) {
        entries.put(e.getName(), zip.readAllBytes());
      }
    } catch (IOException e) {
      throw new WeightFormatException("not a saved encoder classifier: " + e, e);
    }
    return load(entries, catalogue, device);
  }

  /**
   * Loads a classifier from its {@link #saveEntries() entries}; see {@link #load(byte[],
   * BaseModels, Device)}.
   *
   * @throws BaseModelException when the base weights are missing or do not match their sha256
   * @throws WeightFormatException when the saved model is malformed
   */
  public static EncoderClassifier load(
      Map<String, byte[]> entries, BaseModels catalogue, Device device) {
    if (!entries.containsKey("encoder-model.json") || !entries.containsKey("head.safetensors")) {
      throw new WeightFormatException(
          "saved encoder classifier lacks encoder-model.json or head.safetensors");
    }
    JsonNode m = description(entries.get("encoder-model.json"));
    BaseModel base = catalogue.bySha256(m.path("base_sha256").asText());
    List<String> labels = new ArrayList<>();
    m.path("labels").forEach(l -> labels.add(l.asText()));
    EncoderOptions options = options(m);
    Map<String, Tensor> head =
        Safetensors.read(entries.get("head.safetensors"), "head.safetensors");
    Map<String, Tensor> encoder = null;
    if (!options.fineTune().headOnly()) {
      encoder = encoderWeights(entries.get("encoder.safetensors"), options, base);
    }
    checkHead(head, labels, base.config().hiddenSize());
    return new EncoderClassifier(
        base,
        options,
        labels,
        head.get("head.weight").data(),
        head.get("head.bias").data(),
        encoder,
        device);
  }

  private static JsonNode description(byte[] json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new WeightFormatException("corrupt encoder-model.json: " + e.getMessage(), e);
    }
  }

  /** The options saved in {@code encoder-model.json}, with its {@code training} section. */
  private static EncoderOptions options(JsonNode m) {
    JsonNode t = m.path("training");
    return new EncoderOptions(
        FineTune.parse(m.path("fine_tune").asText()),
        m.path("max_length").asInt(),
        m.path("windows").asInt(1),
        t.path("max_epochs").asInt(1),
        t.path("batch_size").asInt(1),
        (float) t.path("learning_rate").asDouble(1e-3),
        (float) t.path("weight_decay").asDouble(0),
        (float) t.path("warmup_fraction").asDouble(0),
        (float) t.path("clip_norm").asDouble(1),
        t.path("patience").asInt(1),
        (float) t.path("dropout").asDouble(0),
        t.path("seed").asLong());
  }

  /** The fine-tuned encoder weights a non-{@code head} model must carry, checked against base. */
  private static Map<String, Tensor> encoderWeights(
      byte[] weights, EncoderOptions options, BaseModel base) {
    if (weights == null) {
      throw new WeightFormatException(
          "saved " + options.fineTune() + " encoder classifier lacks encoder.safetensors");
    }
    Map<String, Tensor> encoder = Safetensors.read(weights, "encoder.safetensors");
    BaseModels.checkWeights(base.config(), encoder, "encoder.safetensors");
    return encoder;
  }

  private static void checkHead(Map<String, Tensor> head, List<String> labels, int hidden) {
    Tensor weight = head.get("head.weight");
    Tensor bias = head.get("head.bias");
    if (labels.isEmpty()
        || weight == null
        || bias == null
        || weight.data().length != labels.size() * hidden
        || bias.data().length != labels.size()) {
      throw new WeightFormatException(
          "head.safetensors does not hold a "
              + labels.size()
              + " x "
              + hidden
              + " head for the labels "
              + labels);
    }
  }

  private static void entry(ZipOutputStream zip, String name, byte[] content) throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setMethod(ZipEntry.STORED);
    e.setTime(FIXED_TIME);
    e.setSize(content.length);
    e.setCompressedSize(content.length);
    CRC32 crc = new CRC32();
    crc.update(content);
    e.setCrc(crc.getValue());
    zip.putNextEntry(e);
    zip.write(content);
    zip.closeEntry();
  }

  @Override
  public void close() {
    encoder.close();
  }
}
