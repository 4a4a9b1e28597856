package dev.flywheel.slm.encoder;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.flywheel.slm.BaseModelInfo;
import dev.flywheel.slm.BundleException;
import dev.flywheel.slm.BundleManifest;
import dev.flywheel.slm.Devices;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.ModelBundle;
import dev.flywheel.slm.ModelRecipe;
import dev.flywheel.slm.RecipeContext;
import dev.flywheel.slm.TextClassifier;
import dev.flywheel.slm.TrainingException;
import dev.flywheel.slm.TrainingRequest;
import dev.flywheel.slm.TrainingResult;
import dev.flywheel.slm.WarmStart;
import dev.flywheel.slm.store.ArtifactStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code encoder} recipe: a pretrained base model ({@code baseModel}, default {@code
 * minilm-l6}), mean pooling and a linear head, fine-tuned as {@code fineTune} says ({@code head},
 * {@code top:K}, {@code full}; {@code auto}, the default, is {@code full} on a GPU and {@code head}
 * on the CPU). The base weights come from the artifact store ({@link BaseModels}); a {@code head}
 * bundle refers to them by sha256, which loading verifies. A run starts from its parent's weights
 * when the parent has the same base model, mode, lengths and labels. Sentence embeddings of the
 * frozen encoder are cached for the life of the process, so a retrain of a {@code head} model
 * encodes only new texts.
 */
public final class EncoderRecipe implements ModelRecipe {
  /** The architecture key. */
  public static final String ARCHITECTURE = "encoder";

  private static final Logger LOG = LoggerFactory.getLogger(EncoderRecipe.class);
  private static final Map<ArtifactStore, BaseModels> CATALOGUES = new WeakHashMap<>();

  /** Base-model parameter counts, so a listing need not convert a base model to show them. */
  private static final Map<String, Long> PARAMETERS =
      Map.of("minilm-l6", 22_565_376L, "bge-small-en", 33_212_160L, "bge-small-zh", 23_691_264L);

  private final EmbeddingCache cache = new EmbeddingCache();

  @Override
  public Set<String> architectures() {
    return Set.of(ARCHITECTURE);
  }

  @Override
  public Map<String, String> settings(Map<String, String> spec) {
    return EncoderSettings.parse(spec).toSpecMap();
  }

  /** A base model's directory ({@code file:} or {@code s3:}) is checked without converting it. */
  @Override
  public List<String> sourceProblems(Map<String, String> settings) {
    String base = EncoderSettings.parse(settings).baseModel();
    if (!BaseModels.isDirectoryUri(base)) {
      return List.of();
    }
    return BaseModels.directoryProblems(base).stream().map(p -> "baseModel: " + p).toList();
  }

  @Override
  public int maxEpochs(Map<String, String> settings) {
    EncoderSettings s = EncoderSettings.parse(settings);
    return s.options(s.resolve(gpuCount() > 0)).maxEpochs();
  }

  /** The catalogue of base models kept in a store (one per store, shared). */
  static BaseModels catalogue(ArtifactStore store) {
    synchronized (CATALOGUES) {
      return CATALOGUES.computeIfAbsent(store, BaseModels::new);
    }
  }

  @Override
  public List<BaseModelInfo> baseModels(RecipeContext context) {
    List<BaseModelInfo> out = new ArrayList<>();
    for (String name : BaseModels.builtInNames()) {
      out.add(
          new BaseModelInfo(
              name,
              "bert",
              PARAMETERS.getOrDefault(name, 0L),
              BaseModels.licence(name),
              BaseModels.source(name),
              context.store().flatMap(s -> BaseModels.storedSha256(s, name)).orElse(null)));
    }
    return out;
  }

  @Override
  public TrainingResult train(TrainingRequest request) {
    long started = System.nanoTime();
    EncoderSettings settings = parseSettings(request);
    ArtifactStore store = requireStore(request);
    Device device = selectDevice(request);
    FineTune mode = settings.resolve(device.isGpu());
    EncoderOptions options = settings.options(mode);
    List<String> labels = request.labels();
    checkLabels(request.examples(), labels);
    Split split = split(request.examples(), settings.validationShare(), options.seed());
    BaseModel base = baseModel(store, settings.baseModel());
    StartDecision start = decideStart(request, base, mode, options, labels);
    LOG.info(
        "training {} {}: encoder {} ({}) on {}, {} train / {} validation examples, {}",
        request.modelName(),
        request.version(),
        settings.baseModel(),
        mode,
        device,
        split.train().size(),
        split.validation().size(),
        start.warmStart().reason());
    EncoderCheckpoint.State identity = checkpointIdentity(request, base, mode, split);
    EncoderTrainer.Checkpointing checkpointing = checkpointing(request, identity);
    EncoderTrainer.Result result =
        fineTune(request, base, split, options, device, start, checkpointing);
    try (EncoderClassifier classifier = result.classifier()) {
      BundleManifest draft =
          manifest(request, settings.toMap(mode), base, metrics(result, split), device, start);
      ModelBundle bundle = ModelBundle.create(draft, classifier.saveEntries());
      return trainingResult(bundle, result, split, options, device, start, started);
    }
  }

  private static EncoderSettings parseSettings(TrainingRequest request) {
    try {
      return EncoderSettings.parse(request.settings());
    } catch (IllegalArgumentException e) {
      throw new TrainingException(
          TrainingException.Reason.INVALID_HYPERPARAMETERS, e.getMessage(), e);
    }
  }

  private static ArtifactStore requireStore(TrainingRequest request) {
    return request
        .store()
        .orElseThrow(
            () ->
                new TrainingException(
                    TrainingException.Reason.ENGINE_FAILURE,
                    "the encoder recipe needs an artifact store for its base weights"));
  }

  private static Device selectDevice(TrainingRequest request) {
    try {
      return Devices.select(request.device());
    } catch (IllegalStateException e) {
      throw new TrainingException(TrainingException.Reason.ENGINE_FAILURE, e.getMessage(), e);
    }
  }

  /** The examples a run trains on and those it validates on. */
  private record Split(List<Example> train, List<Example> validation) {}

  /**
   * Puts each example in validation when its {@link #unit} value falls under {@code share}; when
   * that leaves nothing to train on, trains on all of them and validates on none.
   */
  private static Split split(List<Example> examples, double share, long seed) {
    List<Example> train = new ArrayList<>();
    List<Example> validation = new ArrayList<>();
    for (Example e : examples) {
      (unit(e.id(), seed) < share ? validation : train).add(e);
    }
    if (train.isEmpty()) {
      return new Split(validation, List.of());
    }
    return new Split(train, validation);
  }

  private BaseModel baseModel(ArtifactStore store, String name) {
    try {
      return catalogue(store).resolve(name);
    } catch (BaseModelException e) {
      throw new TrainingException(TrainingException.Reason.ENGINE_FAILURE, e.getMessage(), e);
    }
  }

  /** Runs the epochs, reporting each to the request's listener. */
  private EncoderTrainer.Result fineTune(
      TrainingRequest request,
      BaseModel base,
      Split split,
      EncoderOptions options,
      Device device,
      StartDecision start,
      EncoderTrainer.Checkpointing checkpointing) {
    try {
      return EncoderTrainer.train(
          base,
          request.labels(),
          split.train(),
          split.validation(),
          options,
          cache,
          device,
          start.start(),
          (epoch, epochs, loss, accuracy) -> {
            request
                .listener()
                .onEpochEnd(
                    new dev.flywheel.slm.EpochSummary(
                        epoch, loss, accuracy, Double.NaN, false, Duration.ZERO));
          },
          checkpointing);
    } catch (CancellationException e) {
      Thread.currentThread().interrupt();
      throw new TrainingException(TrainingException.Reason.INTERRUPTED, e.getMessage(), e);
    } catch (IllegalStateException e) {
      throw new TrainingException(TrainingException.Reason.NON_FINITE_LOSS, e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      if (checkpointing.resume() == null) {
        throw e;
      }
      throw new TrainingException(
          TrainingException.Reason.CHECKPOINT_INCOMPATIBLE,
          "checkpoint " + request.resumeFrom().orElseThrow() + " does not fit: " + e.getMessage(),
          e);
    }
  }

  /** What a checkpoint of this run records about it, and what one must match to be resumed. */
  private static EncoderCheckpoint.State checkpointIdentity(
      TrainingRequest request, BaseModel base, FineTune mode, Split split) {
    return new EncoderCheckpoint.State(
        EncoderCheckpoint.FORMAT,
        request.modelName(),
        request.version(),
        base.card().sha256(),
        mode.toString(),
        request.labels(),
        new java.util.TreeMap<>(request.settings()),
        EncoderCheckpoint.fingerprint(split.train(), split.validation()),
        null);
  }

  /**
   * The run's checkpoints: each epoch's to the request's checkpoint file (then told to its
   * listener), and the one to resume from, checked against this run.
   *
   * @throws TrainingException ({@code CHECKPOINT_INCOMPATIBLE}) for a checkpoint that cannot be
   *     read or belongs to another run
   */
  private static EncoderTrainer.Checkpointing checkpointing(
      TrainingRequest request, EncoderCheckpoint.State identity) {
    EncoderTrainer.Resume resume = null;
    if (request.resumeFrom().isPresent()) {
      EncoderCheckpoint.Loaded loaded = EncoderCheckpoint.read(request.resumeFrom().get());
      EncoderCheckpoint.checkResumable(loaded.state(), identity);
      EncoderTrainer.Progress progress = loaded.state().progress();
      resume = new EncoderTrainer.Resume(progress, loaded.current(), loaded.best());
      LOG.info(
          "{} {}: resuming after epoch {} from {}",
          request.modelName(),
          request.version(),
          progress.epoch(),
          request.resumeFrom().get());
    }
    EncoderTrainer.CheckpointSink sink =
        request.checkpointFile().map(file -> checkpointSink(request, identity, file)).orElse(null);
    return new EncoderTrainer.Checkpointing(resume, sink);
  }

  private static EncoderTrainer.CheckpointSink checkpointSink(
      TrainingRequest request, EncoderCheckpoint.State identity, java.nio.file.Path file) {
    return (progress, current, best) -> {
      EncoderCheckpoint.State state = identity.withProgress(progress);
      try {
        EncoderCheckpoint.write(file, state, current, best);
      } catch (java.io.IOException e) {
        throw new TrainingException(
            TrainingException.Reason.ENGINE_FAILURE,
            "cannot write checkpoint " + file + ": " + e,
            e);
      }
      request.listener().onCheckpoint(file, progress.epoch());
    };
  }

  private static Map<String, Double> metrics(EncoderTrainer.Result result, Split split) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("epochsRun", (double) result.epochs());
    metrics.put("bestEpoch", (double) result.bestEpoch());
    metrics.put("trainExamples", (double) split.train().size());
    metrics.put("validationExamples", (double) split.validation().size());
    metrics.put("encodedTexts", (double) result.encodedTexts());
    metrics.put("skippedSteps", (double) result.skippedSteps());
    if (Double.isFinite(result.bestValidationAccuracy())) {
      metrics.put("validationAccuracy", result.bestValidationAccuracy());
    }
    return metrics;
  }

  private static BundleManifest manifest(
      TrainingRequest request,
      Map<String, String> hyperparameters,
      BaseModel base,
      Map<String, Double> metrics,
      Device device,
      StartDecision start) {
    BaseModelCard card = base.card();
    return new BundleManifest(
        ModelBundle.FORMAT,
        ModelBundle.RECIPE_FORMAT_VERSION,
        request.modelName(),
        request.version(),
        ModelBundle.TASK_TEXT_CLASSIFICATION,
        ARCHITECTURE,
        hyperparameters,
        request.labels(),
        null,
        null,
        null,
        metrics,
        BundleManifest.Lineage.of(request, start.warmStart().used()),
        Instant.now().toString(),
        Engine.getDjlVersion(),
        "PyTorch",
        Engine.getEngine("PyTorch").getVersion(),
        device.toString(),
        null,
        info(card));
  }

  private static TrainingResult trainingResult(
      ModelBundle bundle,
      EncoderTrainer.Result result,
      Split split,
      EncoderOptions options,
      Device device,
      StartDecision start,
      long started) {
    double seconds = (System.nanoTime() - started) / 1e9;
    int trainSize = split.train().size();
    return new TrainingResult(
        bundle,
        result.epochs(),
        result.bestEpoch(),
        result.trainLoss(),
        result.validationAccuracy(),
        result.bestValidationAccuracy(),
        trainSize,
        split.validation().size(),
        (double) trainSize * result.epochs() / Math.max(result.seconds(), 1e-9),
        device.toString(),
        Duration.ofNanos((long) (seconds * 1e9)),
        result.epochs() < options.maxEpochs(),
        start.warmStart(),
        0);
  }

  private static BaseModelInfo info(BaseModelCard card) {
    return new BaseModelInfo(
        card.name(),
        card.architecture(),
        card.parameterCount(),
        card.licence(),
        card.source(),
        card.sha256());
  }

  private record StartDecision(EncoderTrainer.Start start, WarmStart warmStart) {}

  private static StartDecision decideStart(
      TrainingRequest request,
      BaseModel base,
      FineTune mode,
      EncoderOptions options,
      List<String> labels) {
    Optional<ModelBundle> parent = request.parent();
    if (parent.isEmpty()) {
      return new StartDecision(null, new WarmStart(false, "no parent"));
    }
    if (!request.warmStart()) {
      return new StartDecision(null, new WarmStart(false, "warm start disabled"));
    }
    BundleManifest m = parent.get().manifest();
    Map<String, String> h = m.hyperparameters();
    String why = null;
    if (!ARCHITECTURE.equals(m.architecture())) {
      why = "parent is a " + m.architecture() + " model";
    } else if (m.baseModel() == null || !base.card().sha256().equals(m.baseModel().sha256())) {
      why = "parent has another base model";
    } else if (!mode.toString().equals(h.get("fineTune"))) {
      why = "parent was fine-tuned as " + h.get("fineTune") + ", this run as " + mode;
    } else if (!Integer.toString(options.maxLength()).equals(h.get("maxLength"))
        || !Integer.toString(options.windows()).equals(h.get("windows"))) {
      why = "parent reads texts with another length or window count";
    } else if (!m.labels().equals(labels)) {
      why = "labels differ";
    }
    if (why != null) {
      return new StartDecision(null, new WarmStart(false, why));
    }
    try {
      Map<String, Tensor> head =
          Safetensors.read(
              parent.get().entry("head.safetensors").orElseThrow(), "parent head.safetensors");
      Map<String, Tensor> encoder = null;
      if (!mode.headOnly()) {
        encoder =
            Safetensors.read(
                parent.get().entry("encoder.safetensors").orElseThrow(),
                "parent encoder.safetensors");
        BaseModels.checkWeights(base.config(), encoder, "parent encoder.safetensors");
      }
      return new StartDecision(
          new EncoderTrainer.Start(
              head.get("head.weight").data(), head.get("head.bias").data(), encoder),
          new WarmStart(true, "warm start from parent " + m.version()));
    } catch (RuntimeException e) {
      return new StartDecision(
          null, new WarmStart(false, "parent weights unusable: " + e.getMessage()));
    }
  }

  private static void checkLabels(List<Example> examples, List<String> labels) {
    if (examples.isEmpty()) {
      throw new TrainingException(TrainingException.Reason.NO_EXAMPLES, "no examples");
    }
    Set<String> known = new LinkedHashSet<>(labels);
    Set<String> seen = new LinkedHashSet<>();
    for (Example e : examples) {
      if (!known.contains(e.label())) {
        throw new TrainingException(
            TrainingException.Reason.UNKNOWN_LABEL,
            "example " + e.id() + " has label '" + e.label() + "' outside " + labels);
      }
      seen.add(e.label());
    }
    List<String> missing = labels.stream().filter(l -> !seen.contains(l)).toList();
    if (!missing.isEmpty()) {
      throw new TrainingException(
          TrainingException.Reason.LABEL_WITHOUT_EXAMPLES, "no examples of labels " + missing);
    }
  }

  /** A value in [0, 1) from an id and a seed: validation membership depends on nothing else. */
  static double unit(String id, long seed) {
    long z = seed * 0x9E3779B97F4A7C15L + id.hashCode();
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    z = z ^ (z >>> 31);
    return (z >>> 11) * 0x1.0p-53;
  }

  @Override
  public TextClassifier load(ModelBundle bundle, RecipeContext context) throws BundleException {
    ArtifactStore store =
        context
            .store()
            .orElseThrow(
                () ->
                    new BundleException(
                        BundleException.Reason.INCOMPATIBLE,
                        "an encoder model needs the artifact store that holds its base weights"));
    Map<String, byte[]> entries = new LinkedHashMap<>();
    for (String name : List.of("encoder-model.json", "head.safetensors", "encoder.safetensors")) {
      bundle.entry(name).ifPresent(b -> entries.put(name, b));
    }
    BundleManifest m = bundle.manifest();
    try {
      Device device = Devices.select(context.device());
      EncoderClassifier classifier = EncoderClassifier.load(entries, catalogue(store), device);
      if (m.baseModel() != null && !m.baseModel().sha256().equals(classifier.base().sha256())) {
        classifier.close();
        throw new BundleException(
            BundleException.Reason.CONTENT_MISMATCH,
            "the manifest names base model "
                + m.baseModel().sha256()
                + " but the weights refer to "
                + classifier.base().sha256());
      }
      if (!classifier.labels().equals(m.labels())) {
        classifier.close();
        throw new BundleException(
            BundleException.Reason.CONTENT_MISMATCH,
            "encoder-model.json labels differ from the manifest's");
      }
      return new EncoderTextClassifier(bundle, classifier);
    } catch (WeightFormatException e) {
      throw new BundleException(BundleException.Reason.INCOMPATIBLE, e.getMessage(), e);
    } catch (BaseModelException e) {
      throw new BundleException(BundleException.Reason.CONTENT_MISMATCH, e.getMessage(), e);
    }
  }

  private static int gpuCount() {
    try {
      return Engine.getEngine("PyTorch").getGpuCount();
    } catch (RuntimeException e) {
      return 0;
    }
  }
}
