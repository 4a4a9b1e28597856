package dev.flywheel.slm;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a text classifier with DJL on PyTorch: Adam, weighted softmax cross-entropy, early
 * stopping on a validation split, fixed seeds, optional warm start from a parent bundle and
 * resumption from a per-epoch checkpoint. Runs on the calling thread. Runs in one JVM are
 * serialised (DJL's PyTorch engine records gradients for one run at a time): a second concurrent
 * call waits for the first.
 */
public final class TextClassifierTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(TextClassifierTrainer.class);
  private static final int EVAL_BATCH = 512;
  private static final int CHECKPOINT_FORMAT = 1;

  /** Folds of the cross-validation that chooses the epoch count on small data. */
  public static final int FOLDS = 5;

  private TextClassifierTrainer() {}

  /**
   * Runs one training request to completion.
   *
   * @throws TrainingException with a {@link TrainingException.Reason} for every refused or failed
   *     run (no examples, a label without examples, NaN loss, bad checkpoint, interruption, ...)
   */
  public static TrainingResult train(TrainingRequest request) {
    long started = System.nanoTime();
    Hyperparameters h = checkHyperparameters(request.hyperparameters());
    Map<String, Integer> labelIndex = checkLabels(request);
    Plan plan = plan(request, h, labelIndex);
    Split split = plan.split();
    Tokenizer tokenizer = plan.tokenizer();
    WarmStart warmStart = plan.warmStart();
    Device device = device(request);
    String runId = runId(request);
    LOG.info(
        "training {}: {} on {}, {} train / {} validation examples, vocabulary {}, labels {}, {}",
        runId,
        h.architecture().key(),
        device,
        split.train().size(),
        split.validation().size(),
        tokenizer.vocabularySize(),
        labelIndex.size(),
        warmStart.reason());
    Encoded train = Encoded.of(split.train(), tokenizer, h, labelIndex);
    Encoded validation = Encoded.of(split.validation(), tokenizer, h, labelIndex);
    acquireEngine();
    try {
      Hyperparameters control = h;
      CrossValidation cv = null;
      if (plan.crossValidate()) {
        cv = crossValidate(request, h, device, warmStart, labelIndex, runId);
        control =
            h.withValues(
                Map.of(
                    "epochs", Integer.toString(cv.bestEpoch()),
                    "patience", "0",
                    "validationShare", "0"));
      }
      Engine.getInstance().setRandomSeed((int) (h.seed() ^ (h.seed() >>> 32)));
      return run(
          request,
          h,
          control,
          cv,
          device,
          tokenizer,
          warmStart,
          plan.resumed(),
          train,
          validation,
          labelIndex,
          plan.fingerprint(),
          runId,
          started);
    } catch (EngineException e) {
      throw new TrainingException(TrainingException.Reason.ENGINE_FAILURE, e.getMessage(), e);
    } finally {
      EngineLock.release();
    }
  }

  /**
   * How a run trains: its split (all examples when it cross-validates the epoch count), the
   * checkpoint it resumes from (null for none), the fingerprint of its examples, and its warm start
   * and tokenizer (the checkpoint's when resuming).
   */
  private record Plan(
      Split split,
      boolean crossValidate,
      Checkpoints.Loaded resumed,
      String fingerprint,
      WarmStart warmStart,
      Tokenizer tokenizer) {}

  private static Plan plan(
      TrainingRequest request, Hyperparameters h, Map<String, Integer> labelIndex) {
    Split split = Split.of(request.examples(), h);
    // Too few validation examples to stop on: cross-validate the epoch count, train on everything.
    boolean crossValidate =
        h.patience() > 0
            && h.validationShare() > 0
            && h.minValidation() > 0
            && split.validation().size() < h.minValidation()
            && request.examples().size() >= 2 * FOLDS;
    if (crossValidate) {
      split = new Split(request.examples(), List.of());
    }
    Checkpoints.Loaded resumed = request.resumeFrom().map(Checkpoints::read).orElse(null);
    String fingerprint = fingerprint(request.examples());
    if (resumed != null) {
      checkResumable(resumed.state(), request, fingerprint);
      WarmStart warmStart =
          new WarmStart(resumed.state().warmStartUsed(), resumed.state().warmStartReason());
      return new Plan(split, crossValidate, resumed, fingerprint, warmStart, resumed.tokenizer());
    }
    WarmStart warmStart = decideWarmStart(request, labelIndex, split);
    Tokenizer tokenizer =
        warmStart.used()
            ? request.parent().orElseThrow().tokenizer()
            : Tokenizer.build(
                texts(split.train()), h.minFrequency(), h.maxVocab(), h.sequenceLength());
    return new Plan(split, crossValidate, null, fingerprint, warmStart, tokenizer);
  }

  private static Hyperparameters checkHyperparameters(Hyperparameters h) {
    List<String> problems = h.problems();
    if (!problems.isEmpty()) {
      throw new TrainingException(
          TrainingException.Reason.INVALID_HYPERPARAMETERS, String.join("; ", problems));
    }
    return h;
  }

  /** Names the run in logs: model, version and request. */
  private static String runId(TrainingRequest request) {
    return request.modelName()
        + " "
        + request.version()
        + request.requestId().map(r -> " request " + r).orElse("");
  }

  private static Device device(TrainingRequest request) {
    try {
      return Devices.select(request.device());
    } catch (IllegalStateException e) {
      throw new TrainingException(TrainingException.Reason.ENGINE_FAILURE, e.getMessage(), e);
    }
  }

  /** Waits for this process's other training, if any: the engine trains one at a time. */
  private static void acquireEngine() {
    try {
      EngineLock.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TrainingException(
          TrainingException.Reason.INTERRUPTED, "interrupted while waiting for another run", e);
    }
  }

  /**
   * The mean validation accuracy per epoch over the folds (each example validated once), and the
   * first epoch where it is highest.
   */
  record CrossValidation(List<Double> accuracy, int bestEpoch, int examples) {
    double bestAccuracy() {
      return accuracy.get(bestEpoch - 1);
    }
  }

  private static CrossValidation crossValidate(
      TrainingRequest request,
      Hyperparameters h,
      Device device,
      WarmStart warmStart,
      Map<String, Integer> labelIndex,
      String runId) {
    long started = System.nanoTime();
    List<List<Example>> folds = folds(request.examples(), h.seed());
    Hyperparameters foldH = h.withValues(Map.of("patience", "0"));
    double[] correct = new double[h.epochs()];
    int validated = 0;
    for (int f = 0; f < FOLDS; f++) {
      List<Example> validation = folds.get(f);
      if (validation.isEmpty()) {
        continue;
      }
      List<Example> train = allFoldsBut(folds, f);
      Tokenizer tokenizer =
          warmStart.used()
              ? request.parent().orElseThrow().tokenizer()
              : Tokenizer.build(texts(train), h.minFrequency(), h.maxVocab(), h.sequenceLength());
      long seed = h.seed() + 1 + f;
      Engine.getInstance().setRandomSeed((int) (seed ^ (seed >>> 32)));
      List<Double> curve =
          foldCurve(
              request,
              foldH,
              device,
              tokenizer,
              warmStart,
              Encoded.of(train, tokenizer, foldH, labelIndex),
              Encoded.of(validation, tokenizer, foldH, labelIndex),
              runId + " fold " + (f + 1) + "/" + FOLDS);
      for (int e = 0; e < curve.size(); e++) {
        correct[e] += curve.get(e) * validation.size();
      }
      validated += validation.size();
    }
    List<Double> accuracy = new ArrayList<>();
    for (double c : correct) {
      accuracy.add(c / validated);
    }
    int best = firstBestEpoch(correct);
    LOG.info(
        "training {}: {}-fold cross-validation chose {} epochs (accuracy {} over {} examples, {})",
        runId,
        FOLDS,
        best,
        String.format(Locale.ROOT, "%.4f", accuracy.get(best - 1)),
        validated,
        Duration.ofNanos(System.nanoTime() - started));
    return new CrossValidation(List.copyOf(accuracy), best, validated);
  }

  /** Every fold's examples except fold {@code f}'s: the training set of fold {@code f}. */
  private static List<Example> allFoldsBut(List<List<Example>> folds, int f) {
    List<Example> train = new ArrayList<>();
    for (int g = 0; g < folds.size(); g++) {
      if (g != f) {
        train.addAll(folds.get(g));
      }
    }
    return train;
  }

  /** The first epoch (1-based) with the most correct validation predictions. */
  private static int firstBestEpoch(double[] correct) {
    int best = 1;
    for (int e = 0; e < correct.length; e++) {
      if (correct[e] > correct[best - 1] + 1e-9) {
        best = e + 1;
      }
    }
    return best;
  }

  /** The examples dealt into {@link #FOLDS} folds by a hash of their ids (stable per seed). */
  private static List<List<Example>> folds(List<Example> examples, long seed) {
    List<List<Example>> folds = new ArrayList<>();
    for (int f = 0; f < FOLDS; f++) {
      folds.add(new ArrayList<>());
    }
    for (Example e : examples) {
      folds.get(Math.min(FOLDS - 1, (int) (Split.unit(e.id(), seed + 1) * FOLDS))).add(e);
    }
    return folds;
  }

  /** Trains one fold for all epochs and returns its validation accuracy per epoch. */
  private static List<Double> foldCurve(
      TrainingRequest request,
      Hyperparameters h,
      Device device,
      Tokenizer tokenizer,
      WarmStart warmStart,
      Encoded train,
      Encoded validation,
      String runId) {
    try (Model model = Model.newInstance(request.modelName(), device, "PyTorch")) {
      Block block = Networks.build(h, tokenizer.vocabularySize(), request.labels().size());
      model.setBlock(block);
      initialise(block, model.getNDManager(), h);
      if (warmStart.used()) {
        load(block, model.getNDManager(), request.parent().orElseThrow().parameters());
      }
      requireGradients(block);
      Optimizer adam =
          Adam.builder().optLearningRateTracker(Tracker.fixed(h.learningRate())).build();
      NDManager manager = model.getNDManager();
      try (LazyAdam lazyAdam = new LazyAdam(h.learningRate(), manager)) {
        Run run =
            new Run(
                request,
                h,
                h,
                null,
                new TrainingListener() {},
                false,
                new Step(block, new ParameterStore(manager, false), adam, lazyAdam, manager),
                train,
                validation,
                tokenizer,
                device,
                warmStart,
                "",
                runId,
                null);
        run.loop();
        return run.validationAccuracy;
      }
    }
  }

  private static TrainingResult run(
      TrainingRequest request,
      Hyperparameters h,
      Hyperparameters control,
      CrossValidation cv,
      Device device,
      Tokenizer tokenizer,
      WarmStart warmStart,
      Checkpoints.Loaded resumed,
      Encoded train,
      Encoded validation,
      Map<String, Integer> labelIndex,
      String fingerprint,
      String runId,
      long started) {
    try (Model model = Model.newInstance(request.modelName(), device, "PyTorch")) {
      Block block = Networks.build(h, tokenizer.vocabularySize(), labelIndex.size());
      model.setBlock(block);
      initialise(block, model.getNDManager(), h);
      if (resumed != null) {
        load(block, model.getNDManager(), resumed.current());
      } else if (warmStart.used()) {
        load(block, model.getNDManager(), request.parent().orElseThrow().parameters());
      }
      requireGradients(block);
      // DJL's Trainer is not used: its step would Adam-update embedding tables densely (see
      // SparseEmbedding); dense parameters still get DJL's Adam, tables get LazyAdam.
      Optimizer adam =
          Adam.builder().optLearningRateTracker(Tracker.fixed(h.learningRate())).build();
      NDManager manager = model.getNDManager();
      try (LazyAdam lazyAdam = new LazyAdam(h.learningRate(), manager);
          CheckpointWriter checkpoints =
              request
                  .checkpointFile()
                  .map(file -> new CheckpointWriter(file, request.listener(), runId))
                  .orElse(null)) {
        Run run =
            new Run(
                request,
                h,
                control,
                cv,
                request.listener(),
                true,
                new Step(block, new ParameterStore(manager, false), adam, lazyAdam, manager),
                train,
                validation,
                tokenizer,
                device,
                warmStart,
                fingerprint,
                runId,
                checkpoints);
        if (resumed != null) {
          run.restore(resumed);
        }
        run.loop();
        return run.finish(labelIndex, started);
      }
    }
  }

  private static void requireGradients(Block block) {
    for (Parameter p : block.getParameters().values()) {
      if (p.requiresGradient()) {
        p.getArray().setRequiresGradient(true);
      }
    }
  }

  /** Forward, loss, backward and update of one batch, and evaluation without gradients. */
  private record Step(
      Block block, ParameterStore ps, Optimizer adam, LazyAdam lazyAdam, NDManager manager) {

    /** Trains on one batch and returns its weighted mean loss. */
    float train(
        NDManager batch,
        NDArray x,
        int[] y,
        float[] w,
        int labels,
        long step,
        int epoch,
        int stepInEpoch) {
      SparseEmbedding.Sink sink = new SparseEmbedding.Sink();
      float loss;
      try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
        NDArray logits = block.forward(ps, new NDList(x), true, sink.asParams()).head();
        NDArray lossArray = WeightedLoss.crossEntropy(batch, logits, y, w);
        loss = checkFinite(lossArray.getFloat(), epoch, stepInEpoch);
        collector.backward(lossArray);
      }
      boolean gradMode = JniUtils.isGradMode();
      JniUtils.setGradMode(false);
      try {
        for (Parameter p : block.getParameters().values()) {
          if (p.requiresGradient()) {
            NDArray weight = p.getArray();
            NDArray grad = weight.getGradient();
            adam.update(p.getId(), weight, grad);
            grad.close();
          }
        }
        lazyAdam.update(sink, step, batch);
      } finally {
        JniUtils.setGradMode(gradMode);
      }
      return loss;
    }

    NDArray logits(NDArray x) {
      return block.forward(ps, new NDList(x), false).head();
    }
  }

  private static Map<String, Integer> checkLabels(TrainingRequest request) {
    if (request.examples().isEmpty()) {
      throw new TrainingException(
          TrainingException.Reason.NO_EXAMPLES, "the request has no examples");
    }
    List<String> labels = request.labels();
    Map<String, Integer> index = new LinkedHashMap<>();
    for (String label : labels) {
      if (index.put(label, index.size()) != null) {
        throw new TrainingException(
            TrainingException.Reason.UNKNOWN_LABEL, "label '" + label + "' declared twice");
      }
    }
    if (labels.size() < 2) {
      throw new TrainingException(
          TrainingException.Reason.LABEL_WITHOUT_EXAMPLES,
          "a classifier needs at least two labels with examples, got " + labels);
    }
    int[] counts = new int[labels.size()];
    TreeSet<String> unknown = new TreeSet<>();
    for (Example e : request.examples()) {
      Integer i = index.get(e.label());
      if (i == null) {
        unknown.add(e.label());
      } else {
        counts[i]++;
      }
    }
    if (!unknown.isEmpty()) {
      throw new TrainingException(
          TrainingException.Reason.UNKNOWN_LABEL,
          "examples carry labels outside " + labels + ": " + unknown);
    }
    List<String> empty = new ArrayList<>();
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] == 0) {
        empty.add(labels.get(i));
      }
    }
    if (!empty.isEmpty()) {
      throw new TrainingException(
          TrainingException.Reason.LABEL_WITHOUT_EXAMPLES, "no examples for labels " + empty);
    }
    return index;
  }

  private static WarmStart decideWarmStart(
      TrainingRequest request, Map<String, Integer> labelIndex, Split split) {
    if (request.parent().isEmpty()) {
      return WarmStart.notUsed("no parent model");
    }
    if (!request.warmStart()) {
      return WarmStart.notUsed("warm start disabled by the request");
    }
    ModelBundle parent = request.parent().get();
    if (!parent.manifest().labels().equals(List.copyOf(labelIndex.keySet()))) {
      return WarmStart.notUsed(
          "labels differ: parent "
              + parent.manifest().labels()
              + ", request "
              + labelIndex.keySet());
    }
    if (!parent.hyperparameters().sameShapeAs(request.hyperparameters())) {
      return WarmStart.notUsed("architecture or layer sizes differ from the parent's");
    }
    double coverage = parent.tokenizer().coverage(texts(split.train()));
    if (coverage < request.minParentCoverage()) {
      return WarmStart.notUsed(
          String.format(
              Locale.ROOT,
              "parent vocabulary covers %.3f of training tokens, below %.3f",
              coverage,
              request.minParentCoverage()));
    }
    return new WarmStart(
        true,
        String.format(
            Locale.ROOT,
            "warm start from parent %s (vocabulary covers %.3f of training tokens)",
            parent.manifest().version(),
            coverage));
  }

  private static void checkResumable(Checkpoints.State s, TrainingRequest r, String fingerprint) {
    List<String> mismatches = new ArrayList<>();
    if (s.formatVersion() != CHECKPOINT_FORMAT) {
      mismatches.add("format version " + s.formatVersion());
    }
    if (!s.modelName().equals(r.modelName()) || !s.version().equals(r.version())) {
      mismatches.add("model " + s.modelName() + " " + s.version());
    }
    if (!s.labels().equals(r.labels())) {
      mismatches.add("labels " + s.labels());
    }
    if (!s.hyperparameters().equals(r.hyperparameters().toMap())) {
      mismatches.add("hyperparameters " + s.hyperparameters());
    }
    if (!s.datasetFingerprint().equals(fingerprint)) {
      mismatches.add("examples differ");
    }
    if (!mismatches.isEmpty()) {
      throw new TrainingException(
          TrainingException.Reason.CHECKPOINT_INCOMPATIBLE,
          "checkpoint belongs to another run: " + String.join(", ", mismatches));
    }
  }

  private static void initialise(Block block, NDManager manager, Hyperparameters h) {
    // Embeddings keep their own normal initialisers; every other weight gets Xavier.
    block.setInitializer(
        new XavierInitializer(),
        p ->
            p.getType() == Parameter.Type.WEIGHT
                && !p.getName().toLowerCase(Locale.ROOT).contains("embedding"));
    block.initialize(manager, DataType.FLOAT32, Networks.inputShape(h));
  }

  static void load(Block block, NDManager manager, byte[] parameters) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(parameters))) {
      block.loadParameters(manager, in);
    } catch (IOException | MalformedModelException e) {
      throw new TrainingException(
          TrainingException.Reason.ENGINE_FAILURE, "cannot load parameters: " + e.getMessage(), e);
    }
  }

  static byte[] save(Block block) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      block.saveParameters(out);
    } catch (IOException e) {
      throw new TrainingException(
          TrainingException.Reason.ENGINE_FAILURE, "cannot save parameters", e);
    }
    return bytes.toByteArray();
  }

  private static List<String> texts(List<Example> examples) {
    return examples.stream().map(Example::text).toList();
  }

  private static String fingerprint(List<Example> examples) {
    MessageDigest digest = Hashing.sha256();
    for (Example e : examples) {
      for (String s : new String[] {e.id(), e.label(), e.text(), Float.toString(e.weight())}) {
        digest.update(s.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * Fails a run whose loss is no longer a number; later steps could only spread the NaN.
   *
   * @throws TrainingException with reason {@code NON_FINITE_LOSS}
   */
  static float checkFinite(float loss, int epoch, int step) {
    if (Float.isNaN(loss) || Float.isInfinite(loss)) {
      throw new TrainingException(
          TrainingException.Reason.NON_FINITE_LOSS,
          "loss is "
              + loss
              + " at epoch "
              + epoch
              + " step "
              + step
              + " (lower the learning rate, or check the examples)");
    }
    return loss;
  }

  /** Training and validation examples; validation membership depends only on id and seed. */
  record Split(List<Example> train, List<Example> validation) {
    static Split of(List<Example> examples, Hyperparameters h) {
      List<Example> train = new ArrayList<>();
      List<Example> validation = new ArrayList<>();
      for (Example e : examples) {
        if (h.validationShare() > 0 && unit(e.id(), h.seed()) < h.validationShare()) {
          validation.add(e);
        } else {
          train.add(e);
        }
      }
      if (train.isEmpty()) {
        return new Split(validation, List.of());
      }
      return new Split(train, validation);
    }

    static double unit(String id, long seed) {
      long z = seed * 0x9E3779B97F4A7C15L + id.hashCode();
      z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
      z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
      z = z ^ (z >>> 31);
      return (z >>> 11) * 0x1.0p-53;
    }
  }

  /** Examples as flat id rows, label indices and weights. */
  record Encoded(int[][] features, int[] labels, float[] weights) {
    static Encoded of(
        List<Example> examples,
        Tokenizer tokenizer,
        Hyperparameters h,
        Map<String, Integer> index) {
      int n = examples.size();
      int[][] features = new int[n][];
      int[] labels = new int[n];
      float[] weights = new float[n];
      for (int i = 0; i < n; i++) {
        Example e = examples.get(i);
        features[i] = Networks.features(tokenizer.encode(e.text()), h, tokenizer);
        labels[i] = index.get(e.label());
        weights[i] = e.weight();
      }
      return new Encoded(features, labels, weights);
    }

    int size() {
      return labels.length;
    }

    NDArray batch(NDManager manager, int[] order, int from, int to) {
      int width = features[0].length;
      int[] flat = new int[(to - from) * width];
      for (int i = from; i < to; i++) {
        System.arraycopy(features[order[i]], 0, flat, (i - from) * width, width);
      }
      return manager.create(flat, new Shape(to - from, width));
    }
  }

  /** The state of one run across epochs. */
  private static final class Run {
    private final TrainingRequest request;
    // h controls the loop (epochs, patience, batches); recorded goes into checkpoints and the
    // manifest. They differ when cross-validation chose the epoch count.
    private final Hyperparameters h;
    private final Hyperparameters recorded;
    private final CrossValidation cv;
    private final TrainingListener listener;
    private final boolean keepBest;
    private final Step step;
    private final Encoded train;
    private final Encoded validation;
    private final Tokenizer tokenizer;
    private final Device device;
    private final WarmStart warmStart;
    private final String fingerprint;
    private final String runId;
    private final CheckpointWriter checkpoints;
    private final int steps;
    private final List<Double> trainLoss = new ArrayList<>();
    private final List<Double> validationAccuracy = new ArrayList<>();
    private int epoch;
    private int bestEpoch;
    private double bestAccuracy = Double.NEGATIVE_INFINITY;
    private int epochsWithoutImprovement;
    private boolean stopped;
    private byte[] best;
    private double trainSeconds;
    private long examplesTrained;
    private int resumedFromEpoch;
    private long globalStep;

    Run(
        TrainingRequest request,
        Hyperparameters recorded,
        Hyperparameters h,
        CrossValidation cv,
        TrainingListener listener,
        boolean keepBest,
        Step step,
        Encoded train,
        Encoded validation,
        Tokenizer tokenizer,
        Device device,
        WarmStart warmStart,
        String fingerprint,
        String runId,
        CheckpointWriter checkpoints) {
      this.request = request;
      this.h = h;
      this.recorded = recorded;
      this.cv = cv;
      this.listener = listener;
      this.keepBest = keepBest;
      this.step = step;
      this.train = train;
      this.validation = validation;
      this.tokenizer = tokenizer;
      this.device = device;
      this.warmStart = warmStart;
      this.fingerprint = fingerprint;
      this.runId = runId;
      this.checkpoints = checkpoints;
      this.steps = (train.size() + h.batchSize() - 1) / h.batchSize();
    }

    void restore(Checkpoints.Loaded loaded) {
      Checkpoints.State s = loaded.state();
      epoch = s.epoch();
      resumedFromEpoch = s.epoch();
      bestEpoch = s.bestEpoch();
      bestAccuracy = s.bestAccuracy();
      epochsWithoutImprovement = s.epochsWithoutImprovement();
      stopped = s.stopped();
      trainLoss.addAll(s.trainLoss());
      validationAccuracy.addAll(s.validationAccuracy());
      trainSeconds = s.trainSeconds();
      examplesTrained = s.examplesTrained();
      best = loaded.best();
      LOG.info("training {}: resumed after epoch {}", runId, epoch);
    }

    void loop() {
      while (!stopped && epoch < h.epochs()) {
        epoch++;
        long epochStart = System.nanoTime();
        double loss = trainEpoch();
        double[] val = validate();
        boolean improved;
        if (validation.size() == 0) {
          improved = true;
        } else {
          validationAccuracy.add(val[0]);
          improved = val[0] > bestAccuracy + 1e-9;
        }
        trainLoss.add(loss);
        if (improved) {
          bestAccuracy = validation.size() == 0 ? Double.NaN : val[0];
          bestEpoch = epoch;
          // Without validation or checkpoints only the last epoch's parameters are kept, and
          // finish() copies them once.
          best =
              keepBest && (validation.size() > 0 || checkpoints != null)
                  ? save(step.block())
                  : null;
          epochsWithoutImprovement = 0;
        } else {
          epochsWithoutImprovement++;
          stopped = h.patience() > 0 && epochsWithoutImprovement >= h.patience();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - epochStart);
        LOG.info(
            "training {}: epoch {}/{} loss {} validation accuracy {} ({}){}",
            runId,
            epoch,
            h.epochs(),
            String.format(Locale.ROOT, "%.4f", loss),
            String.format(Locale.ROOT, "%.4f", val[0]),
            took,
            stopped ? ", stopping early" : "");
        listener.onEpochEnd(new EpochSummary(epoch, loss, val[0], val[1], improved, took));
        writeCheckpoint();
      }
    }

    /** The training examples' indexes in this epoch's order (a seeded shuffle per epoch). */
    private int[] shuffledOrder() {
      int[] order = new int[train.size()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Random random = new Random(h.seed() * 1_000_003L + epoch);
      for (int i = order.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      return order;
    }

    private double trainEpoch() {
      int[] order = shuffledOrder();
      long start = System.nanoTime();
      long lastReport = start;
      double lossSum = 0;
      double weightSum = 0;
      int done = 0;
      int labels = request.labels().size();
      for (int stepInEpoch = 1; stepInEpoch <= steps; stepInEpoch++) {
        if (checkpoints != null) {
          checkpoints.poll();
        }
        if (Thread.currentThread().isInterrupted()) {
          throw new TrainingException(
              TrainingException.Reason.INTERRUPTED,
              "interrupted at epoch " + epoch + " step " + stepInEpoch);
        }
        int from = (stepInEpoch - 1) * h.batchSize();
        int to = Math.min(from + h.batchSize(), train.size());
        double batchWeight = 0; // in double: a float sum of large weights overflows
        try (NDManager manager = step.manager().newSubManager()) {
          NDArray x = train.batch(manager, order, from, to);
          int[] y = new int[to - from];
          float[] w = new float[to - from];
          for (int i = from; i < to; i++) {
            y[i - from] = train.labels()[order[i]];
            w[i - from] = train.weights()[order[i]];
            batchWeight += w[i - from];
          }
          globalStep++;
          float loss = step.train(manager, x, y, w, labels, globalStep, epoch, stepInEpoch);
          lossSum += loss * batchWeight;
          weightSum += batchWeight;
        }
        done += to - from;
        long now = System.nanoTime();
        if (stepInEpoch == steps || now - lastReport >= request.progressInterval().toNanos()) {
          lastReport = now;
          double seconds = (now - start) / 1e9;
          double perStep = seconds / stepInEpoch;
          long remainingSteps = (long) (steps - stepInEpoch) + (long) (h.epochs() - epoch) * steps;
          listener.onProgress(
              new TrainingProgress(
                  epoch,
                  h.epochs(),
                  stepInEpoch,
                  steps,
                  lossSum / weightSum,
                  done / Math.max(seconds, 1e-9),
                  Duration.ofMillis((long) (remainingSteps * perStep * 1000)),
                  device.toString()));
        }
      }
      trainSeconds += (System.nanoTime() - start) / 1e9;
      examplesTrained += train.size();
      return lossSum / weightSum;
    }

    /** Accuracy and mean loss on the validation split; NaN, NaN without one. */
    private double[] validate() {
      if (validation.size() == 0) {
        return new double[] {Double.NaN, Double.NaN};
      }
      boolean gradMode = JniUtils.isGradMode();
      JniUtils.setGradMode(false);
      try {
        int[] order = new int[validation.size()];
        for (int i = 0; i < order.length; i++) {
          order[i] = i;
        }
        int correct = 0;
        double lossSum = 0;
        for (int from = 0; from < order.length; from += EVAL_BATCH) {
          int to = Math.min(from + EVAL_BATCH, order.length);
          try (NDManager manager = step.manager().newSubManager()) {
            NDArray logits = step.logits(validation.batch(manager, order, from, to));
            float[] logp = logits.logSoftmax(1).toFloatArray();
            int c = (int) logits.getShape().get(1);
            for (int i = from; i < to; i++) {
              int argmax = 0;
              for (int k = 1; k < c; k++) {
                if (logp[(i - from) * c + k] > logp[(i - from) * c + argmax]) {
                  argmax = k;
                }
              }
              int truth = validation.labels()[i];
              correct += argmax == truth ? 1 : 0;
              lossSum -= logp[(i - from) * c + truth];
            }
          }
        }
        return new double[] {(double) correct / order.length, lossSum / order.length};
      } finally {
        JniUtils.setGradMode(gradMode);
      }
    }

    /**
     * Captures the parameters and hands the checkpoint to the background writer; waits only while
     * the previous epoch's checkpoint is still being written.
     */
    private void writeCheckpoint() {
      if (checkpoints == null) {
        return;
      }
      Checkpoints.State state =
          new Checkpoints.State(
              CHECKPOINT_FORMAT,
              request.modelName(),
              request.version(),
              request.labels(),
              recorded.toMap(),
              fingerprint,
              h.sequenceLength(),
              epoch,
              bestEpoch,
              bestAccuracy,
              epochsWithoutImprovement,
              stopped,
              List.copyOf(trainLoss),
              List.copyOf(validationAccuracy),
              trainSeconds,
              examplesTrained,
              warmStart.used(),
              warmStart.reason());
      // After an improving epoch the best parameters are the current ones: no second copy, and
      // the file holds them once.
      byte[] current = bestEpoch == epoch ? best : save(step.block());
      checkpoints.await();
      if (Thread.currentThread().isInterrupted()) {
        // Stopped by the previous checkpoint's notice: that checkpoint stays the one to resume.
        throw new TrainingException(
            TrainingException.Reason.INTERRUPTED, "interrupted after epoch " + epoch);
      }
      checkpoints.submit(state, tokenizer, current, best);
    }

    TrainingResult finish(Map<String, Integer> labelIndex, long startedNanos) {
      if (best == null) {
        best = save(step.block());
        bestEpoch = epoch;
      }
      double examplesPerSecond = trainSeconds > 0 ? examplesTrained / trainSeconds : 0;
      boolean stoppedEarly = stopped && epoch < h.epochs();
      List<Double> validationCurve = cv == null ? validationAccuracy : cv.accuracy();
      double reportedAccuracy = cv == null ? bestAccuracy : cv.bestAccuracy();
      int validationExamples = cv == null ? validation.size() : cv.examples();
      BundleManifest draft =
          manifest(labelIndex, metrics(examplesPerSecond, reportedAccuracy, validationExamples));
      ModelBundle bundle = ModelBundle.create(draft, tokenizer, best);
      if (checkpoints != null) {
        // Written while the bundle was built; on disk (and announced) before the run returns.
        checkpoints.await();
      }
      Duration duration = Duration.ofNanos(System.nanoTime() - startedNanos);
      LOG.info(
          "training {}: done after {} epochs (best {}), validation accuracy {}, {} examples/s, bundle"
              + " {} bytes sha256 {}",
          runId,
          epoch,
          bestEpoch,
          bestAccuracy,
          Math.round(examplesPerSecond),
          bundle.sizeBytes(),
          bundle.sha256());
      return new TrainingResult(
          bundle,
          epoch,
          bestEpoch,
          List.copyOf(trainLoss),
          List.copyOf(validationCurve),
          validationExamples > 0 ? reportedAccuracy : Double.NaN,
          train.size(),
          validationExamples,
          examplesPerSecond,
          device.toString(),
          duration,
          stoppedEarly,
          warmStart,
          resumedFromEpoch);
    }

    /** The manifest metrics of the run (finite values only). */
    private Map<String, Double> metrics(
        double examplesPerSecond, double reportedAccuracy, int validationExamples) {
      Map<String, Double> metrics = new LinkedHashMap<>();
      metrics.put("epochsRun", (double) epoch);
      metrics.put("bestEpoch", (double) bestEpoch);
      metrics.put("trainLoss", bestEpoch > 0 ? trainLoss.get(bestEpoch - 1) : Double.NaN);
      if (validationExamples > 0) {
        metrics.put("validationAccuracy", reportedAccuracy);
      }
      metrics.put("trainExamples", (double) train.size());
      metrics.put("validationExamples", (double) validationExamples);
      if (cv != null) {
        metrics.put("crossValidationFolds", (double) FOLDS);
      }
      metrics.put("examplesPerSecond", examplesPerSecond);
      metrics.put("trainSeconds", trainSeconds);
      metrics.values().removeIf(v -> v.isNaN() || v.isInfinite());
      return metrics;
    }

    /** The bundle's manifest: what was trained, how, on what, from which parent. */
    private BundleManifest manifest(Map<String, Integer> labelIndex, Map<String, Double> metrics) {
      return new BundleManifest(
          ModelBundle.FORMAT,
          ModelBundle.FORMAT_VERSION,
          request.modelName(),
          request.version(),
          ModelBundle.TASK_TEXT_CLASSIFICATION,
          h.architecture().key(),
          recorded.toMap(),
          List.copyOf(labelIndex.keySet()),
          null,
          null,
          null,
          metrics,
          BundleManifest.Lineage.of(request, warmStart.used()),
          Instant.now().toString(),
          Engine.getDjlVersion(),
          "PyTorch",
          Engine.getEngine("PyTorch").getVersion(),
          device.toString());
    }
  }
}
