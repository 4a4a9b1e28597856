package dev.flywheel.slm.encoder;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.AdamW;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.RowAdam;
import dev.flywheel.slm.WeightedLoss;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains an {@link EncoderClassifier}: AdamW (decoupled decay on matrices only), a learning rate
 * that rises linearly over the warm-up steps and then falls linearly to 0, the global gradient norm
 * clipped, and early stopping on validation accuracy (the best epoch's weights are kept).
 *
 * <p>{@code head}: sentence embeddings come from the {@link EmbeddingCache}, so only new texts are
 * encoded. {@code top:K}: the frozen layers below the last K run once per text before training;
 * each step runs only the last K layers. {@code full}: every step runs the whole encoder; the word
 * table (half of a small BERT's weights) trains through a copy of the batch's rows, whose gradient
 * and lazy Adam update ({@link RowAdam}, as PyTorch's {@code SparseAdam}) touch only those rows:
 * the dense gradient and update of the 30,522-row table were most of a CPU step. A long text is cut
 * into up to {@code windows} windows whose pooled embeddings are averaged, in training as in
 * prediction.
 */
public final class EncoderTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(EncoderTrainer.class);

  /** Steps with a non-finite gradient skipped in a row before a run fails. */
  static final int MAX_SKIPS_IN_A_ROW = 3;

  /**
   * The outcome of a run.
   *
   * @param classifier the trained classifier (the best epoch's weights); the caller closes it
   * @param epochs epochs run
   * @param steps optimiser steps taken
   * @param bestValidationAccuracy validation accuracy of the kept weights (NaN without validation)
   * @param maxGradientNorm the largest global gradient norm seen (before clipping); always finite
   * @param encodedTexts texts the frozen encoder had to encode (cache misses in head mode)
   * @param seconds wall time
   * @param bestEpoch the 1-based epoch whose weights were kept
   * @param trainLoss mean training loss per epoch
   * @param validationAccuracy validation accuracy per epoch (empty without validation)
   * @param skippedSteps steps skipped because their gradient was not finite
   */
  public record Result(
      EncoderClassifier classifier,
      int epochs,
      long steps,
      double bestValidationAccuracy,
      double maxGradientNorm,
      long encodedTexts,
      double seconds,
      int bestEpoch,
      List<Double> trainLoss,
      List<Double> validationAccuracy,
      long skippedSteps) {}

  /** Called after each epoch, on the training thread. */
  public interface EpochListener {
    /**
     * One epoch ended.
     *
     * @param validationAccuracy NaN without validation examples
     */
    void onEpoch(int epoch, int maxEpochs, double trainLoss, double validationAccuracy);
  }

  /**
   * Where a run starts: the weights of an earlier classifier of the same base model, labels and
   * shape (a warm start from the parent version), instead of a random head and the base weights.
   *
   * @param headWeight (labels, hidden) row-major
   * @param headBias (labels)
   * @param encoder fine-tuned encoder weights, or null to start from the base's
   */
  public record Start(float[] headWeight, float[] headBias, Map<String, Tensor> encoder) {
    /** The weights of a loaded classifier. */
    public static Start of(EncoderClassifier parent) {
      return new Start(parent.headWeight(), parent.headBias(), parent.encoderWeights());
    }
  }

  /**
   * Where an interrupted run stands, read from its checkpoint: the run goes on after {@code
   * progress.epoch()} epochs, from the {@code current} trained weights, keeping {@code best} as the
   * best epoch's until a better one comes.
   */
  public record Resume(Progress progress, Map<String, Tensor> current, Map<String, Tensor> best) {}

  /**
   * A run's state after an epoch, as a checkpoint keeps it.
   *
   * @param sinceBest epochs since the best one
   * @param steps optimiser steps taken (the learning-rate schedule goes on from there)
   */
  public record Progress(
      int epoch,
      int bestEpoch,
      double bestAccuracy,
      int sinceBest,
      long steps,
      double maxGradientNorm,
      List<Double> trainLoss,
      List<Double> validationAccuracy) {}

  /** Told after each epoch what a checkpoint holds; on the training thread. */
  public interface CheckpointSink {
    /**
     * An epoch ended.
     *
     * @param current the trained weights now (the head, and the encoder weights that train)
     * @param best the best epoch's trained weights; the very map {@code current} when this epoch is
     *     the best
     */
    void epochDone(Progress progress, Map<String, Tensor> current, Map<String, Tensor> best);
  }

  /**
   * A run's optional checkpointing.
   *
   * @param resume the checkpoint to go on from, or null to start at epoch 1
   * @param sink where each epoch's checkpoint goes, or null for none
   */
  public record Checkpointing(Resume resume, CheckpointSink sink) {
    /** Neither resume nor checkpoints. */
    public static final Checkpointing NONE = new Checkpointing(null, null);
  }

  private EncoderTrainer() {}

  /** A run from the base weights and a random head, without listener. */
  public static Result train(
      BaseModel base,
      List<String> labels,
      List<Example> train,
      List<Example> validation,
      EncoderOptions options,
      EmbeddingCache cache,
      Device device) {
    return train(base, labels, train, validation, options, cache, device, null, (e, m, l, a) -> {});
  }

  /** As below, without checkpoints. */
  public static Result train(
      BaseModel base,
      List<String> labels,
      List<Example> train,
      List<Example> validation,
      EncoderOptions options,
      EmbeddingCache cache,
      Device device,
      Start start,
      EpochListener listener) {
    return train(
        base,
        labels,
        train,
        validation,
        options,
        cache,
        device,
        start,
        listener,
        Checkpointing.NONE);
  }

  /**
   * Trains on {@code train}, stopping early on {@code validation} (may be empty: then every epoch
   * runs and the last is kept).
   *
   * @param start the weights to start from, or null for the base weights and a random head; ignored
   *     when resuming
   * @param checkpointing the checkpoint to resume from and where each epoch's checkpoint goes
   * @throws IllegalArgumentException for an example whose label is not in {@code labels}, or a
   *     start or resume whose shapes do not fit
   * @throws IllegalStateException when a gradient stops being finite
   * @throws CancellationException when the thread is interrupted (its flag stays set)
   */
  public static Result train(
      BaseModel base,
      List<String> labels,
      List<Example> train,
      List<Example> validation,
      EncoderOptions options,
      EmbeddingCache cache,
      Device device,
      Start start,
      EpochListener listener,
      Checkpointing checkpointing) {
    long started = System.nanoTime();
    Map<String, Integer> index = new LinkedHashMap<>();
    for (String l : labels) {
      index.put(l, index.size());
    }
    int[] y = labelsOf(train, index);
    int[] yValidation = labelsOf(validation, index);
    Resume resume = checkpointing.resume();
    try (NDManager manager = NDManager.newBaseManager(device, "PyTorch")) {
      Run run =
          new Run(
              base,
              options,
              labels.size(),
              manager,
              cache,
              resume == null ? start : resumeStart(base, options, resume.current()));
      Features trainFeatures = run.features(train);
      Features validationFeatures = run.features(validation);
      float[] weights = new float[train.size()];
      for (int i = 0; i < weights.length; i++) {
        weights[i] = train.get(i).weight();
      }
      int stepsPerEpoch = (train.size() + options.batchSize() - 1) / options.batchSize();
      Epochs epochs = new Epochs(options, train.size(), resume, run);
      run.schedule(stepsPerEpoch * options.maxEpochs());
      while (epochs.next()) {
        double loss = trainEpoch(run, epochs, trainFeatures, y, weights);
        double accuracy =
            validation.isEmpty() ? Double.NaN : run.accuracy(validationFeatures, yValidation);
        listener.onEpoch(epochs.epoch, options.maxEpochs(), loss, accuracy);
        LOG.info(
            "encoder {} epoch {}: mean loss {}, validation accuracy {}",
            options.fineTune(),
            epochs.epoch,
            String.format("%.4f", loss),
            String.format("%.4f", accuracy));
        epochs.ended(loss, accuracy, validation.isEmpty(), checkpointing.sink());
      }
      EncoderClassifier classifier = run.classifier(epochs.kept, labels, device);
      return new Result(
          classifier,
          epochs.epoch,
          run.steps,
          validation.isEmpty() ? Double.NaN : epochs.best,
          run.maxGradientNorm,
          run.encodedTexts,
          (System.nanoTime() - started) / 1e9,
          epochs.bestEpoch,
          List.copyOf(epochs.losses),
          List.copyOf(epochs.accuracies),
          run.skippedSteps);
    }
  }

  /**
   * Fills every gradient with zeros, in place and in PyTorch's own memory. Not {@code
   * getGradient().set(...)}: that makes the gradient's storage the Java buffer of the handle that
   * {@code getGradient()} returned, which the next garbage collection after the handle closes frees
   * while backward passes go on adding into it (a crash, or garbage gradients). Nor {@code
   * muli(0)}: NaN times 0 stays NaN.
   */
  static void clearGradients(Iterable<NDArray> weights) {
    for (NDArray w : weights) {
      JniUtils.zeroGrad((PtNDArray) w);
    }
  }

  /** One epoch's steps over the shuffled order; their mean loss (skipped steps left out). */
  private static double trainEpoch(
      Run run, Epochs epochs, Features features, int[] y, float[] weights) {
    int batchSize = run.options.batchSize();
    double lossSum = 0;
    int taken = 0;
    for (int from = 0; from < epochs.order.size(); from += batchSize) {
      if (Thread.currentThread().isInterrupted()) {
        throw new CancellationException("interrupted in epoch " + epochs.epoch);
      }
      List<Integer> batch =
          epochs.order.subList(from, Math.min(epochs.order.size(), from + batchSize));
      double loss = run.step(features, batch, y, weights);
      if (!Double.isNaN(loss)) {
        lossSum += loss;
        taken++;
      }
    }
    return taken == 0 ? Double.NaN : lossSum / taken;
  }

  /** The start a resumed run builds its arrays from: its current trained weights over the base. */
  private static Start resumeStart(
      BaseModel base, EncoderOptions options, Map<String, Tensor> current) {
    Tensor headWeight = required(current, "head.weight");
    Tensor headBias = required(current, "head.bias");
    Map<String, Tensor> encoder = null;
    if (!options.fineTune().headOnly()) {
      encoder = new LinkedHashMap<>(base.weights());
      for (Tensor t : current.values()) {
        if (!t.name().startsWith("head.")) {
          if (!encoder.containsKey(t.name())) {
            throw new IllegalArgumentException(
                "the checkpoint holds an unknown weight " + t.name());
          }
          encoder.put(t.name(), t);
        }
      }
    }
    return new Start(headWeight.data(), headBias.data(), encoder);
  }

  private static Tensor required(Map<String, Tensor> weights, String name) {
    Tensor t = weights.get(name);
    if (t == null) {
      throw new IllegalArgumentException("the checkpoint lacks " + name);
    }
    return t;
  }

  /**
   * The epoch loop's state: the shuffled order, early stopping and the kept weights; from a
   * checkpoint when resuming.
   */
  private static final class Epochs {
    private final EncoderOptions options;
    private final Run run;
    private final Random random;
    private final List<Integer> order = new ArrayList<>();
    private final List<Double> losses = new ArrayList<>();
    private final List<Double> accuracies = new ArrayList<>();
    private double best = -1;
    private int sinceBest;
    private int epoch;
    private int bestEpoch;
    private Snapshot kept;
    private boolean stop;

    Epochs(EncoderOptions options, int examples, Resume resume, Run run) {
      this.options = options;
      this.run = run;
      this.random = new Random(options.seed());
      for (int i = 0; i < examples; i++) {
        order.add(i);
      }
      if (resume != null) {
        Progress p = resume.progress();
        for (int e = 0; e < p.epoch(); e++) {
          Collections.shuffle(order, random); // the epochs done drew these: draw them again
        }
        epoch = p.epoch();
        best = p.bestAccuracy();
        sinceBest = p.sinceBest();
        bestEpoch = p.bestEpoch();
        losses.addAll(p.trainLoss());
        accuracies.addAll(p.validationAccuracy());
        kept = Snapshot.of(resume.best());
        run.resumeAt(p.steps(), p.maxGradientNorm());
        stop = sinceBest >= options.patience() && bestEpoch < epoch;
      }
    }

    /** Starts the next epoch, if there is one to run. */
    boolean next() {
      if (stop || epoch >= options.maxEpochs()) {
        return false;
      }
      epoch++;
      Collections.shuffle(order, random);
      return true;
    }

    /** Records an ended epoch, keeps its weights when best, and hands the checkpoint out. */
    void ended(double loss, double accuracy, boolean noValidation, CheckpointSink sink) {
      losses.add(loss);
      if (!noValidation) {
        accuracies.add(accuracy);
      }
      boolean improved = noValidation || accuracy > best;
      if (improved) {
        best = accuracy;
        sinceBest = 0;
        bestEpoch = epoch;
        kept = run.snapshot();
      } else if (++sinceBest >= options.patience()) {
        stop = true;
      }
      if (sink == null) {
        return;
      }
      Map<String, Tensor> bestWeights = run.tensors(kept);
      sink.epochDone(
          new Progress(
              epoch,
              bestEpoch,
              best,
              sinceBest,
              run.steps,
              run.maxGradientNorm,
              List.copyOf(losses),
              List.copyOf(accuracies)),
          improved ? bestWeights : run.tensors(run.snapshot()),
          bestWeights);
    }
  }

  private static int[] labelsOf(List<Example> examples, Map<String, Integer> index) {
    int[] y = new int[examples.size()];
    for (int i = 0; i < y.length; i++) {
      Integer l = index.get(examples.get(i).label());
      if (l == null) {
        throw new IllegalArgumentException(
            "example "
                + examples.get(i).id()
                + " has label '"
                + examples.get(i).label()
                + "' outside "
                + index.keySet());
      }
      y[i] = l;
    }
    return y;
  }

  /** What a step reads per example: an embedding (head), frozen lower states or ids. */
  private record Features(
      float[][] embeddings, List<List<float[]>> states, List<List<long[]>> windows) {}

  /** Weights of the best epoch, copied off the device. */
  private record Snapshot(float[] headWeight, float[] headBias, Map<String, float[]> encoder) {
    /** The trained weights a checkpoint kept. */
    static Snapshot of(Map<String, Tensor> weights) {
      Map<String, float[]> encoder = new LinkedHashMap<>();
      for (Tensor t : weights.values()) {
        if (!t.name().startsWith("head.")) {
          encoder.put(t.name(), t.data());
        }
      }
      return new Snapshot(
          required(weights, "head.weight").data(), required(weights, "head.bias").data(), encoder);
    }
  }

  /**
   * A step's rows of the word table.
   *
   * @param ids the distinct token ids of the batch, [PAD] (0) first
   * @param rows a copy of those rows, a leaf that the step's backward pass gives a gradient
   * @param sequences the batch's sequences with each token id replaced by its index in {@code ids}
   */
  private record BatchRows(NDArray ids, NDArray rows, List<long[]> sequences) {
    static BatchRows of(NDManager scope, NDArray table, List<long[]> sequences) {
      Map<Long, Integer> index = new LinkedHashMap<>();
      index.put(0L, 0); // padding indexes row 0, as it indexes [PAD] in the table
      List<long[]> local = new ArrayList<>(sequences.size());
      for (long[] s : sequences) {
        long[] l = new long[s.length];
        for (int i = 0; i < s.length; i++) {
          l[i] = index.computeIfAbsent(s[i], k -> index.size());
        }
        local.add(l);
      }
      NDArray ids = scope.create(index.keySet().stream().mapToLong(Long::longValue).toArray());
      NDArray rows = table.get(new NDIndex("{}", ids));
      rows.attach(scope);
      rows.setRequiresGradient(true);
      return new BatchRows(ids, rows, local);
    }
  }

  /** The arrays and optimisers of one training run. */
  private static final class Run {
    private final BaseModel base;
    private final EncoderOptions options;
    private final NDManager manager;
    private final EmbeddingCache cache;
    private final BertEncoderBlock block;
    private final ParameterStore ps;
    private final int layers;
    private final int trainable;
    private final NDArray headWeight;
    private final NDArray headBias;
    private final Map<String, NDArray> trained = new LinkedHashMap<>();
    private final int hidden;
    private final int labelCount;
    private final Map<String, Tensor> startEncoder;
    // full: the word table, trained through a step's copy of its batch's rows (see the class doc)
    private final NDArray words;
    private NDArray wordMean;
    private NDArray wordVariance;
    private long wordUpdates;
    private BatchRows stepRows;
    private Tracker rate;
    private Optimizer decayed;
    private Optimizer plain;
    private long steps;
    private double maxGradientNorm;
    private long encodedTexts;
    private long skippedSteps;
    private int skipsInARow;

    Run(
        BaseModel base,
        EncoderOptions options,
        int labelCount,
        NDManager manager,
        EmbeddingCache cache,
        Start start) {
      this.base = base;
      this.options = options;
      this.manager = manager;
      this.cache = cache;
      this.labelCount = labelCount;
      this.startEncoder = start == null ? null : start.encoder();
      this.layers = base.config().layers();
      this.hidden = base.config().hiddenSize();
      this.trainable = options.fineTune().trainableLayers(layers);
      if (options.fineTune().headOnly()) {
        block = null;
      } else {
        block =
            start != null && start.encoder() != null
                ? new BertEncoderBlock(base.config(), start.encoder(), options.dropout())
                : base.newEncoder(options.dropout());
        block.initialize(manager);
        block.freezeBelow(trainable);
      }
      this.ps = new ParameterStore(manager, false);
      Random random = new Random(options.seed());
      float[] w = new float[labelCount * hidden];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) (random.nextGaussian() * 0.02);
      }
      if (start != null) {
        if (start.headWeight().length != w.length || start.headBias().length != labelCount) {
          throw new IllegalArgumentException(
              "the start's head does not fit " + labelCount + " labels x " + hidden);
        }
        headWeight = manager.create(start.headWeight(), new Shape(labelCount, hidden));
        headBias = manager.create(start.headBias(), new Shape(labelCount));
      } else {
        headWeight = manager.create(w, new Shape(labelCount, hidden));
        headBias = manager.zeros(new Shape(labelCount));
      }
      trained.put("head.weight", headWeight);
      trained.put("head.bias", headBias);
      words =
          options.fineTune().full()
              ? block.parameter(BertEncoderBlock.WORD_TABLE).getArray()
              : null;
      if (block != null) {
        for (Map.Entry<String, Parameter> e : block.parametersByName().entrySet()) {
          if (e.getValue().requiresGradient() && !e.getKey().equals(BertEncoderBlock.WORD_TABLE)) {
            trained.put(e.getKey(), e.getValue().getArray());
          }
        }
      }
      for (NDArray a : trained.values()) {
        a.setRequiresGradient(true);
      }
      if (words != null) {
        words.setRequiresGradient(false); // a step's rows are a leaf of their own
      }
    }

    /** Goes on from a checkpoint's optimiser steps and gradient-norm maximum. */
    void resumeAt(long stepsTaken, double maxNorm) {
      this.steps = stepsTaken;
      this.maxGradientNorm = maxNorm;
    }

    /** The trained weights of a snapshot as named tensors, for a checkpoint. */
    Map<String, Tensor> tensors(Snapshot s) {
      Map<String, Tensor> out = new LinkedHashMap<>();
      out.put(
          "head.weight",
          new Tensor("head.weight", new long[] {labelCount, hidden}, s.headWeight()));
      out.put("head.bias", new Tensor("head.bias", new long[] {labelCount}, s.headBias()));
      for (Map.Entry<String, float[]> e : s.encoder().entrySet()) {
        out.put(
            e.getKey(),
            new Tensor(e.getKey(), base.weights().get(e.getKey()).shape(), e.getValue()));
      }
      return out;
    }

    /** The optimisers, with a learning rate that goes on from the steps already taken. */
    void schedule(int totalSteps) {
      rate =
          new WarmUpLinearDecay(
              options.learningRate(), totalSteps, options.warmupFraction(), (int) steps);
      decayed =
          AdamW.builder()
              .optLearningRateTracker(rate)
              .optWeightDecays(options.weightDecay())
              .build();
      plain = AdamW.builder().optLearningRateTracker(rate).optWeightDecays(0f).build();
    }

    /** Prepares the per-example inputs; frozen computation happens here, once. */
    Features features(List<Example> examples) {
      List<String> texts = examples.stream().map(Example::text).toList();
      if (options.fineTune().headOnly()) {
        long before = cache.encodedTexts();
        try (SentenceEncoder encoder =
            SentenceEncoder.open(base, options.maxLength(), manager.getDevice())) {
          float[][] e = cache.embed(encoder, base.card().sha256(), options, texts);
          encodedTexts += cache.encodedTexts() - before;
          return new Features(e, null, null);
        }
      }
      List<List<long[]>> windows = new ArrayList<>();
      try (EncoderTokenizer tokenizer = base.newTokenizer(options.maxLength())) {
        for (String t : texts) {
          windows.add(
              options.windows() > 1
                  ? tokenizer.windows(t, options.windows())
                  : List.of(tokenizer.encode(t)));
        }
      }
      if (options.fineTune().full() || trainable >= layers) {
        return new Features(null, null, windows);
      }
      List<List<float[]>> states = new ArrayList<>();
      for (List<long[]> w : windows) {
        List<float[]> perWindow = new ArrayList<>();
        for (long[] ids : w) {
          try (NDManager scope = manager.newSubManager()) {
            NDList in = SentenceEncoder.padded(scope, List.of(ids));
            NDArray x = block.embed(ps, in.get(0), null, false);
            x = block.layers(ps, x, in.get(1), 0, layers - trainable, false);
            perWindow.add(x.toFloatArray());
          }
          encodedTexts++;
        }
        states.add(perWindow);
      }
      return new Features(null, states, null);
    }

    /** Pooled (B, H) embeddings of a batch of examples, through the trainable part. */
    private NDArray embeddings(NDManager scope, Features f, List<Integer> batch, boolean training) {
      if (f.embeddings() != null) {
        float[] flat = new float[batch.size() * hidden];
        for (int i = 0; i < batch.size(); i++) {
          System.arraycopy(f.embeddings()[batch.get(i)], 0, flat, i * hidden, hidden);
        }
        return scope.create(flat, new Shape(batch.size(), hidden));
      }
      List<Integer> owner = new ArrayList<>();
      NDArray pooled;
      if (f.windows() != null) {
        List<long[]> sequences = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
          for (long[] w : f.windows().get(batch.get(i))) {
            sequences.add(w);
            owner.add(i);
          }
        }
        if (training && words != null) {
          stepRows = BatchRows.of(scope, words, sequences);
          NDList in = SentenceEncoder.padded(scope, stepRows.sequences());
          pooled = block.forwardOnRows(ps, in.get(0), in.get(1), stepRows.rows(), true).get(1);
        } else {
          pooled = block.forward(ps, SentenceEncoder.padded(scope, sequences), training).get(1);
        }
      } else {
        List<float[]> states = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
          for (float[] s : f.states().get(batch.get(i))) {
            states.add(s);
            owner.add(i);
          }
        }
        int length = states.stream().mapToInt(s -> s.length / hidden).max().orElse(1);
        float[] flat = new float[states.size() * length * hidden];
        long[] mask = new long[states.size() * length];
        for (int s = 0; s < states.size(); s++) {
          System.arraycopy(states.get(s), 0, flat, s * length * hidden, states.get(s).length);
          java.util.Arrays.fill(mask, s * length, s * length + states.get(s).length / hidden, 1L);
        }
        NDArray x = scope.create(flat, new Shape(states.size(), length, hidden));
        NDArray m = scope.create(mask, new Shape(states.size(), length));
        x = block.layers(ps, x, m, layers - trainable, layers, training);
        pooled = BertEncoderBlock.meanPool(x, m);
      }
      if (owner.size() == batch.size()) {
        return pooled;
      }
      float[] average = new float[batch.size() * owner.size()];
      int[] counts = new int[batch.size()];
      owner.forEach(o -> counts[o]++);
      for (int s = 0; s < owner.size(); s++) {
        average[owner.get(s) * owner.size() + s] = 1f / counts[owner.get(s)];
      }
      return scope.create(average, new Shape(batch.size(), owner.size())).matMul(pooled);
    }

    private NDArray logits(NDArray pooled, boolean training) {
      NDArray x =
          training && options.dropout() > 0
              ? Dropout.dropout(pooled, options.dropout(), true).head()
              : pooled;
      return Linear.linear(x, headWeight, headBias).head();
    }

    double step(Features f, List<Integer> batch, int[] y, float[] w) {
      try (NDManager scope = manager.newSubManager()) {
        int[] labelsOfBatch = new int[batch.size()];
        float[] weightsOfBatch = new float[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
          labelsOfBatch[i] = y[batch.get(i)];
          weightsOfBatch[i] = w[batch.get(i)];
        }
        double loss;
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
          NDArray logits = logits(embeddings(scope, f, batch, true), true);
          NDArray lossArray =
              WeightedLoss.crossEntropy(scope, logits, labelsOfBatch, weightsOfBatch);
          loss = lossArray.getFloat();
          collector.backward(lossArray);
        }
        return update(scope) ? loss : Double.NaN;
      }
    }

    /**
     * Clips the global gradient norm, applies AdamW and clears every gradient; returns false, with
     * the gradients cleared and no weight changed, for a step whose gradient is not finite (as
     * mixed-precision trainers skip such steps). More than {@link #MAX_SKIPS_IN_A_ROW} of those in
     * a row fail the run.
     */
    private boolean update(NDManager scope) {
      boolean gradMode = JniUtils.isGradMode();
      JniUtils.setGradMode(false);
      try {
        steps++;
        double squared = 0;
        for (NDArray a : trained.values()) {
          NDArray g = a.getGradient();
          g.attach(scope);
          squared += squaredSum(g);
        }
        NDArray rowGradient = null;
        if (stepRows != null) {
          rowGradient = stepRows.rows().getGradient();
          rowGradient.attach(scope);
          squared += squaredSum(rowGradient);
        }
        double norm = Math.sqrt(squared);
        if (!Double.isFinite(norm)) {
          skipNonFinite(norm);
          return false;
        }
        skipsInARow = 0;
        maxGradientNorm = Math.max(maxGradientNorm, norm);
        float scale = norm > options.clipNorm() ? (float) (options.clipNorm() / norm) : 1f;
        for (Map.Entry<String, NDArray> e : trained.entrySet()) {
          NDArray weight = e.getValue();
          NDArray g = weight.getGradient();
          g.attach(scope);
          if (scale < 1f) {
            g.muli(scale);
          }
          Optimizer o =
              weight.getShape().dimension() >= 2 && !e.getKey().contains("embeddings")
                  ? decayed
                  : plain;
          o.update(e.getKey(), weight, g);
        }
        // DJL's PyTorch AdamW happens to zero each gradient it applies; clearing them here does not
        // depend on that (a memset, a few per cent of a full step).
        clearGradients(trained.values());
        if (rowGradient != null) {
          if (scale < 1f) {
            rowGradient.muli(scale);
          }
          updateWordRows(scope, rowGradient);
        }
        return true;
      } finally {
        stepRows = null;
        JniUtils.setGradMode(gradMode);
      }
    }

    private static double squaredSum(NDArray g) {
      double sum = g.square().sum().getFloat();
      if (Double.isInfinite(sum)) {
        // A float32 sum of squares overflows for large but finite gradients: redo in float64.
        sum = g.toType(DataType.FLOAT64, false).square().sum().getDouble();
      }
      return sum;
    }

    /** Adam without decay (as for every embedding) on the step's rows of the word table only. */
    private void updateWordRows(NDManager scope, NDArray gradient) {
      if (wordMean == null) {
        wordMean = manager.zeros(words.getShape());
        wordVariance = manager.zeros(words.getShape());
      }
      wordUpdates++;
      RowAdam.update(
          words,
          wordMean,
          wordVariance,
          new NDIndex("{}", stepRows.ids()),
          gradient,
          RowAdam.stepSize(rate.getNewValue((int) wordUpdates), wordUpdates),
          scope);
    }

    private void skipNonFinite(double norm) {
      skippedSteps++;
      if (++skipsInARow > MAX_SKIPS_IN_A_ROW) {
        throw new IllegalStateException(
            "gradient norm is "
                + norm
                + " at step "
                + steps
                + " ("
                + options.fineTune()
                + "), the "
                + skipsInARow
                + "th step in a row");
      }
      LOG.warn(
          "encoder {}: gradient norm is {} at step {}; step skipped ({} so far)",
          options.fineTune(),
          norm,
          steps,
          skippedSteps);
      clearGradients(trained.values());
    }

    double accuracy(Features f, int[] y) {
      int correct = 0;
      for (int start = 0; start < y.length; start += 64) {
        List<Integer> batch = new ArrayList<>();
        for (int i = start; i < Math.min(y.length, start + 64); i++) {
          batch.add(i);
        }
        try (NDManager scope = manager.newSubManager()) {
          NDArray predicted = logits(embeddings(scope, f, batch, false), false).argMax(1);
          long[] p = predicted.toLongArray();
          for (int i = 0; i < p.length; i++) {
            if (p[i] == y[batch.get(i)]) {
              correct++;
            }
          }
        }
      }
      return (double) correct / y.length;
    }

    Snapshot snapshot() {
      Map<String, float[]> encoder = new LinkedHashMap<>();
      if (words != null) {
        encoder.put(BertEncoderBlock.WORD_TABLE, words.toFloatArray());
      }
      for (Map.Entry<String, NDArray> e : trained.entrySet()) {
        if (!e.getKey().startsWith("head.")) {
          encoder.put(e.getKey(), e.getValue().toFloatArray());
        }
      }
      return new Snapshot(headWeight.toFloatArray(), headBias.toFloatArray(), encoder);
    }

    EncoderClassifier classifier(Snapshot s, List<String> labels, Device device) {
      Map<String, Tensor> encoder = null;
      if (!options.fineTune().headOnly()) {
        encoder = new LinkedHashMap<>(startEncoder != null ? startEncoder : base.weights());
        for (Map.Entry<String, float[]> e : s.encoder().entrySet()) {
          encoder.put(
              e.getKey(),
              new Tensor(e.getKey(), base.weights().get(e.getKey()).shape(), e.getValue()));
        }
      }
      return new EncoderClassifier(
          base, options, labels, s.headWeight(), s.headBias(), encoder, device);
    }
  }
}
