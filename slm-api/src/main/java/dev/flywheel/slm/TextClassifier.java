package dev.flywheel.slm;

import java.util.List;

/**
 * A loaded model that classifies texts, whatever recipe built it; safe to share between threads.
 * {@link #close()} waits for calls in flight before it frees the model.
 */
public interface TextClassifier extends AutoCloseable {

  /** Classifies texts, in order. */
  List<Prediction> predictBatch(List<String> texts);

  /** Classifies one text. */
  default Prediction predict(String text) {
    return predictBatch(List.of(text)).get(0);
  }

  /** Output labels in model order. */
  List<String> labels();

  /** The bundle this classifier runs (its manifest, sha256). */
  ModelBundle bundle();

  /** Waits for predictions in flight, then frees the model; idempotent. */
  @Override
  void close();
}
