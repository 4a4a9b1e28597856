package dev.flywheel.slm.encoder;

import dev.flywheel.slm.InvalidHyperparametersException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings of the {@code encoder} recipe as a model spec carries them (a string map): the base
 * model (a built-in's name, or the {@code file:} URI of a Hugging Face BERT directory), the
 * fine-tune mode ({@code auto}: {@code full} on a GPU, {@code head} on the CPU), and the training
 * options, whose defaults depend on the mode ({@link EncoderOptions#defaults}).
 */
record EncoderSettings(
    String baseModel, String fineTune, Map<String, String> given, float validationShare) {

  static final String AUTO = "auto";

  /** The keys the recipe accepts. */
  static final Set<String> KEYS =
      Set.of(
          "architecture",
          "baseModel",
          "fineTune",
          "maxLength",
          "windows",
          "epochs",
          "batchSize",
          "learningRate",
          "weightDecay",
          "warmupFraction",
          "clipNorm",
          "patience",
          "dropout",
          "seed",
          "validationShare");

  /**
   * Reads and checks a spec's map.
   *
   * @throws InvalidHyperparametersException listing every problem
   */
  static EncoderSettings parse(Map<String, String> map) {
    List<String> problems = new ArrayList<>();
    for (String key : new TreeSet<>(map.keySet())) {
      if (!KEYS.contains(key)) {
        problems.add(
            key + ": unknown setting of the encoder recipe (known: " + new TreeSet<>(KEYS) + ")");
      }
    }
    String arch = map.getOrDefault("architecture", "encoder").trim();
    if (!arch.equalsIgnoreCase("encoder")) {
      problems.add("architecture: '" + arch + "' is not encoder");
    }
    String base = map.getOrDefault("baseModel", BaseModels.DEFAULT).trim();
    if (!BaseModels.builtInNames().contains(base) && !BaseModels.isDirectoryUri(base)) {
      problems.add(
          "baseModel: unknown base model '"
              + base
              + "' (built-in base models: "
              + BaseModels.builtInNames()
              + "; or the file: or s3: URI of a Hugging Face BERT directory holding"
              + " config.json, model.safetensors and tokenizer.json)");
    }
    String fineTune = map.getOrDefault("fineTune", AUTO).trim();
    if (!fineTune.equals(AUTO)) {
      try {
        FineTune.parse(fineTune);
      } catch (IllegalArgumentException e) {
        problems.add("fineTune: " + e.getMessage() + " (or 'auto')");
      }
    }
    Map<String, String> given = new LinkedHashMap<>();
    for (String key : KEYS) {
      if (map.containsKey(key) && !Set.of("architecture", "baseModel", "fineTune").contains(key)) {
        given.put(key, map.get(key).trim());
      }
    }
    EncoderSettings s =
        new EncoderSettings(
            base, fineTune, given, decimal(given, "validationShare", 0.1f, problems));
    if (!(s.validationShare >= 0 && s.validationShare <= 0.5)) {
      problems.add("validationShare: must be in [0, 0.5]");
    }
    // Every option checked against the mode it will run with (head for auto: the CPU default).
    s.options(
        fineTune.equals(AUTO) || problems.stream().anyMatch(p -> p.startsWith("fineTune"))
            ? FineTune.HEAD
            : FineTune.parse(fineTune),
        problems);
    if (!problems.isEmpty()) {
      throw new InvalidHyperparametersException(problems);
    }
    return s;
  }

  /** The mode a run on a GPU ({@code gpu}) or the CPU uses. */
  FineTune resolve(boolean gpu) {
    return fineTune.equals(AUTO) ? (gpu ? FineTune.FULL : FineTune.HEAD) : FineTune.parse(fineTune);
  }

  /** The options of a mode: its defaults overridden by the given values. */
  EncoderOptions options(FineTune mode) {
    List<String> problems = new ArrayList<>();
    EncoderOptions o = options(mode, problems);
    if (!problems.isEmpty()) {
      throw new InvalidHyperparametersException(problems);
    }
    return o;
  }

  private EncoderOptions options(FineTune mode, List<String> problems) {
    EncoderOptions d = EncoderOptions.defaults(mode);
    int maxLength = integer(given, "maxLength", d.maxLength(), 3, 512, problems);
    int windows = integer(given, "windows", d.windows(), 1, 16, problems);
    int epochs = integer(given, "epochs", d.maxEpochs(), 1, 1000, problems);
    int batch = integer(given, "batchSize", d.batchSize(), 1, 1024, problems);
    float rate = decimal(given, "learningRate", d.learningRate(), problems);
    float decay = decimal(given, "weightDecay", d.weightDecay(), problems);
    float warmup = decimal(given, "warmupFraction", d.warmupFraction(), problems);
    float clip = decimal(given, "clipNorm", d.clipNorm(), problems);
    int patience = integer(given, "patience", d.patience(), 1, 1000, problems);
    float dropout = decimal(given, "dropout", d.dropout(), problems);
    long seed = d.seed();
    if (given.containsKey("seed")) {
      try {
        seed = Long.parseLong(given.get("seed"));
      } catch (NumberFormatException e) {
        problems.add("seed: not an integer: '" + given.get("seed") + "'");
      }
    }
    if (!problems.isEmpty()) {
      return d;
    }
    try {
      return new EncoderOptions(
          mode, maxLength, windows, epochs, batch, rate, decay, warmup, clip, patience, dropout,
          seed);
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
      return d;
    }
  }

  /** The complete settings of a resolved run, as the manifest and the candidate record them. */
  Map<String, String> toMap(FineTune mode) {
    EncoderOptions o = options(mode);
    Map<String, String> m = new LinkedHashMap<>();
    m.put("architecture", "encoder");
    m.put("baseModel", baseModel);
    m.put("fineTune", mode.toString());
    m.put("maxLength", Integer.toString(o.maxLength()));
    m.put("windows", Integer.toString(o.windows()));
    m.put("epochs", Integer.toString(o.maxEpochs()));
    m.put("batchSize", Integer.toString(o.batchSize()));
    m.put("learningRate", Float.toString(o.learningRate()));
    m.put("weightDecay", Float.toString(o.weightDecay()));
    m.put("warmupFraction", Float.toString(o.warmupFraction()));
    m.put("clipNorm", Float.toString(o.clipNorm()));
    m.put("patience", Integer.toString(o.patience()));
    m.put("dropout", Float.toString(o.dropout()));
    m.put("seed", Long.toString(o.seed()));
    m.put("validationShare", Float.toString(validationShare));
    return m;
  }

  /** The settings as a spec gives them: the mode may still be {@code auto}. */
  Map<String, String> toSpecMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("architecture", "encoder");
    m.put("baseModel", baseModel);
    m.put("fineTune", fineTune);
    m.putAll(given);
    m.put("validationShare", Float.toString(validationShare));
    return m;
  }

  private static int integer(
      Map<String, String> m, String key, int fallback, int min, int max, List<String> problems) {
    String v = m.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      int i = Integer.parseInt(v);
      if (i < min || i > max) {
        problems.add(key + ": must be in [" + min + ", " + max + "], got " + i);
      }
      return i;
    } catch (NumberFormatException e) {
      problems.add(key + ": not an integer: '" + v + "'");
      return fallback;
    }
  }

  private static float decimal(
      Map<String, String> m, String key, float fallback, List<String> problems) {
    String v = m.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      float f = Float.parseFloat(v);
      if (!Float.isFinite(f)) {
        problems.add(key + ": must be finite, got " + v);
      }
      return f;
    } catch (NumberFormatException e) {
      problems.add(key + ": not a number: '" + v + "'");
      return fallback;
    }
  }
}
