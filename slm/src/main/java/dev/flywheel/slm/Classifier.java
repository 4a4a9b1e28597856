package dev.flywheel.slm;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.translate.TranslateException;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A loaded model that classifies texts; safe to share between threads. Each call borrows a DJL
 * predictor from a pool (so a predictor is never used by two threads at once) and returns it;
 * {@link #close()} waits for calls in flight before it closes the predictors and the model, because
 * closing a DJL model during a prediction crashes the JVM.
 */
public final class Classifier implements TextClassifier {
  /** Most texts handed to the engine at once by {@link #predictBatch(List)}. */
  public static final int MAX_BATCH = 256;

  private final ModelBundle bundle;
  private final Hyperparameters hyperparameters;
  private final Tokenizer tokenizer;
  private final List<String> labels;
  private final Model model;
  private final ConcurrentLinkedDeque<Predictor<int[][], float[][]>> idle =
      new ConcurrentLinkedDeque<>();
  private final List<Predictor<int[][], float[][]>> all =
      Collections.synchronizedList(new ArrayList<>());
  // Predictions hold the read lock; close() takes the write lock, so it waits for them.
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock(true);
  private volatile boolean closed;

  private Classifier(ModelBundle bundle, Model model) {
    this.bundle = bundle;
    this.hyperparameters = bundle.hyperparameters();
    this.tokenizer = bundle.tokenizer();
    this.labels = bundle.manifest().labels();
    this.model = model;
  }

  /** Loads a verified bundle onto a GPU when the engine sees one, else the CPU. */
  public static Classifier load(ModelBundle bundle) throws BundleException {
    return load(bundle, DevicePreference.AUTO);
  }

  /**
   * Loads a verified bundle onto the preferred device.
   *
   * @throws BundleException with reason {@code INCOMPATIBLE} when the parameters do not fit the
   *     network the manifest describes
   */
  public static Classifier load(ModelBundle bundle, DevicePreference preference)
      throws BundleException {
    Device device = Devices.select(preference);
    Hyperparameters h = bundle.hyperparameters();
    Model model = Model.newInstance(bundle.manifest().modelName(), device, "PyTorch");
    try {
      Block block =
          Networks.build(h, bundle.tokenizer().vocabularySize(), bundle.manifest().labels().size());
      model.setBlock(block);
      try (DataInputStream in =
          new DataInputStream(new ByteArrayInputStream(bundle.parameters()))) {
        block.loadParameters(model.getNDManager(), in);
      }
      return new Classifier(bundle, model);
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      throw new BundleException(
          BundleException.Reason.INCOMPATIBLE,
          "parameters do not fit a " + h.architecture().key() + " network: " + e.getMessage(),
          e);
    }
  }

  /** Classifies one text. */
  @Override
  public Prediction predict(String text) {
    return predictBatch(List.of(text)).get(0);
  }

  /** Classifies texts, in order; runs in batches of at most {@link #MAX_BATCH}. */
  @Override
  public List<Prediction> predictBatch(List<String> texts) {
    if (texts.isEmpty()) {
      return List.of();
    }
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("classifier " + bundle + " is closed");
      }
      Predictor<int[][], float[][]> predictor = borrow();
      boolean gradMode = JniUtils.isGradMode();
      JniUtils.setGradMode(false);
      try {
        List<Prediction> out = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += MAX_BATCH) {
          List<String> chunk = texts.subList(from, Math.min(from + MAX_BATCH, texts.size()));
          int[][] rows = new int[chunk.size()][];
          for (int i = 0; i < rows.length; i++) {
            rows[i] = Networks.features(tokenizer.encode(chunk.get(i)), hyperparameters, tokenizer);
          }
          for (float[] p : predictor.predict(rows)) {
            out.add(toPrediction(p));
          }
        }
        return out;
      } catch (TranslateException e) {
        throw new IllegalStateException("prediction failed: " + e.getMessage(), e);
      } finally {
        JniUtils.setGradMode(gradMode);
        idle.push(predictor);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  private Predictor<int[][], float[][]> borrow() {
    Predictor<int[][], float[][]> p = idle.poll();
    if (p == null) {
      p = model.newPredictor(new ScoresTranslator());
      all.add(p);
    }
    return p;
  }

  private Prediction toPrediction(float[] p) {
    Map<String, Float> scores = new LinkedHashMap<>();
    int best = 0;
    for (int i = 0; i < p.length; i++) {
      scores.put(labels.get(i), p[i]);
      if (p[i] > p[best]) {
        best = i;
      }
    }
    return new Prediction(labels.get(best), p[best], Collections.unmodifiableMap(scores));
  }

  /** Arrays held by the model's manager; tests use it to prove predictions do not leak. */
  int modelArrayCount() {
    return model.getNDManager().getManagedArrays().size();
  }

  /** Output labels in model order. */
  @Override
  public List<String> labels() {
    return labels;
  }

  /** The bundle this classifier runs (its manifest, sha256, tokenizer). */
  @Override
  public ModelBundle bundle() {
    return bundle;
  }

  /** Waits for predictions in flight, then frees predictors and the model; idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      synchronized (all) {
        all.forEach(Predictor::close);
        all.clear();
      }
      idle.clear();
      model.close();
    } finally {
      lock.writeLock().unlock();
    }
  }
}
