package dev.flywheel.ingest;

import dev.flywheel.slm.TextClassifier;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded model version with a reference count: the {@link ServedModels} table holds one
 * reference while the version is current, every request holds one while it predicts. When a swap
 * retires the version and the last request releases it, the classifier is closed (off the event
 * loop), so in-flight requests always finish on the model they started with.
 */
final class ServedModel {
  private static final Logger LOG = LoggerFactory.getLogger(ServedModel.class);

  private final String model;
  private final int version;
  private final String sha256;
  private final TextClassifier classifier;
  private final Executor closer;
  private final AtomicInteger references = new AtomicInteger(1);
  private MicroBatcher batcher;

  ServedModel(
      String model, int version, String sha256, TextClassifier classifier, Executor closer) {
    this.model = model;
    this.version = version;
    this.sha256 = sha256;
    this.classifier = classifier;
    this.closer = closer;
  }

  String model() {
    return model;
  }

  int version() {
    return version;
  }

  String sha256() {
    return sha256;
  }

  TextClassifier classifier() {
    return classifier;
  }

  /** This version's micro-batcher, made by {@code factory} on first use. */
  synchronized MicroBatcher batcher(Function<TextClassifier, MicroBatcher> factory) {
    if (batcher == null) {
      batcher = factory.apply(classifier);
    }
    return batcher;
  }

  /** Takes a reference; false once the version has been retired and drained. */
  boolean retain() {
    while (true) {
      int current = references.get();
      if (current == 0) {
        return false;
      }
      if (references.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  /** Gives a reference back; the last one closes the classifier. */
  void release() {
    if (references.decrementAndGet() == 0) {
      closer.execute(this::closeClassifier);
    }
  }

  private void closeClassifier() {
    try {
      classifier.close();
      LOG.info("Closed {} v{} after its last request", model, version);
    } catch (RuntimeException e) {
      LOG.warn("Closing {} v{} failed: {}", model, version, e.toString());
    }
  }
}
