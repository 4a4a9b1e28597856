package dev.flywheel.slm.encoder;

import dev.flywheel.slm.ModelBundle;
import dev.flywheel.slm.Prediction;
import dev.flywheel.slm.TextClassifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * An {@link EncoderClassifier} shared between threads: passes run concurrently when its encoder
 * runs in ONNX Runtime (each on one core), one at a time on the DJL block (whose arrays belong to
 * one manager); {@link #close()} waits for passes in flight.
 */
final class EncoderTextClassifier implements TextClassifier {
  private static final int MAX_BATCH = 64;

  private final ModelBundle bundle;
  private final EncoderClassifier classifier;
  private final ReentrantLock forward = new ReentrantLock(true);
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock(true);
  private boolean closed;

  EncoderTextClassifier(ModelBundle bundle, EncoderClassifier classifier) {
    this.bundle = bundle;
    this.classifier = classifier;
  }

  @Override
  public List<Prediction> predictBatch(List<String> texts) {
    if (texts.isEmpty()) {
      return List.of();
    }
    lifecycle.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("classifier " + bundle + " is closed");
      }
      List<Prediction> out = new ArrayList<>(texts.size());
      for (int from = 0; from < texts.size(); from += MAX_BATCH) {
        List<String> chunk = texts.subList(from, Math.min(texts.size(), from + MAX_BATCH));
        float[][] scores;
        if (classifier.threadSafe()) {
          scores = classifier.scores(chunk);
        } else {
          forward.lock();
          try {
            scores = classifier.scores(chunk);
          } finally {
            forward.unlock();
          }
        }
        for (float[] s : scores) {
          out.add(prediction(s));
        }
      }
      return out;
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  private Prediction prediction(float[] p) {
    List<String> labels = classifier.labels();
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

  @Override
  public List<String> labels() {
    return classifier.labels();
  }

  @Override
  public ModelBundle bundle() {
    return bundle;
  }

  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        classifier.close();
      }
    } finally {
      lifecycle.writeLock().unlock();
    }
  }
}
