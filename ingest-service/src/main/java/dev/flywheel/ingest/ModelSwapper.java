package dev.flywheel.ingest;

import dev.flywheel.common.metrics.Metrics;
import dev.flywheel.slm.BundleException;
import dev.flywheel.slm.DevicePreference;
import dev.flywheel.slm.ModelBundle;
import dev.flywheel.slm.Recipes;
import dev.flywheel.slm.TextClassifier;
import dev.flywheel.slm.store.BundleFetcher;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the releases and makes the gateway serve each model's latest released version: fetches
 * the bundle, verifies its sha256, loads it on the loader thread (never the event loop), then swaps
 * it in atomically. A release that arrives while an older one loads supersedes it; a bundle that
 * fails verification or loading is refused and the previous version keeps serving.
 */
final class ModelSwapper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelSwapper.class);

  private final ServedModels served;
  private final BundleFetcher fetcher;
  private final List<String> servedModels;
  private final ExecutorService loader =
      Executors.newSingleThreadExecutor(EventProducer.named("flywheel-ingest-model-loader"));
  private final ExecutorService closer =
      Executors.newSingleThreadExecutor(EventProducer.named("flywheel-ingest-model-closer"));
  private final Map<String, ReleaseEntry> wanted = new ConcurrentHashMap<>();

  /** Per model, the release last settled: served, or refused for good (a bad bundle). */
  private final Map<String, ReleaseEntry> settled = new ConcurrentHashMap<>();

  private final MeterRegistry metrics;
  private final Timer swapDuration;

  ModelSwapper(
      ServedModels served,
      BundleFetcher fetcher,
      List<String> servedModels,
      MeterRegistry metrics) {
    this.served = served;
    this.fetcher = fetcher;
    this.servedModels = List.copyOf(servedModels);
    this.metrics = metrics;
    this.swapDuration =
        Metrics.latencyTimer(
                "ingest",
                "model.swap.duration",
                "Fetch, verify, load and switch of a released model")
            .register(metrics);
  }

  /** Release listener: records the wish and lets the loader catch up. */
  void onRelease(ReleaseEntry entry) {
    if (!servedModels.isEmpty() && !servedModels.contains(entry.model())) {
      return;
    }
    wanted.put(entry.model(), entry);
    loader.execute(() -> load(entry.model()));
  }

  /**
   * The models whose latest release is neither served nor refused yet; the gateway is not ready
   * while any is, since predict would answer 503 for a model that has a champion.
   */
  List<String> pending() {
    return wanted.entrySet().stream()
        .filter(e -> settled.get(e.getKey()) != e.getValue())
        .map(Map.Entry::getKey)
        .sorted()
        .toList();
  }

  private void load(String model) {
    ReleaseEntry entry = wanted.get(model);
    if (entry == null) {
      return;
    }
    Optional<ServedModel> current = served.peek(model);
    String sha256 = entry.release().getSha256();
    if (current.isPresent()
        && current.get().version() == entry.version()
        && current.get().sha256().equalsIgnoreCase(sha256)) {
      settled.put(model, entry);
      return;
    }
    long started = System.nanoTime();
    try {
      byte[] bytes = fetcher.read(entry.release().getArtifactUri());
      ModelBundle bundle = ModelBundle.fromBytes(bytes, sha256);
      TextClassifier classifier =
          Recipes.forArchitecture(bundle.manifest().architecture())
              .load(
                  bundle,
                  fetcher.recipeContext(entry.release().getArtifactUri(), DevicePreference.CPU));
      if (wanted.get(model) != entry) {
        // A newer release arrived while this one loaded; it has its own task queued.
        classifier.close();
        return;
      }
      served.swap(new ServedModel(model, entry.version(), sha256, classifier, closer));
      settled.put(model, entry);
      swapDuration.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      metrics
          .counter("flywheel.ingest.model.swaps", "model", model, "outcome", "swapped")
          .increment();
      LOG.info(
          "Serving {} v{} (release at {}, {} ms to load; previous {})",
          model,
          entry.version(),
          entry.position(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
          current.map(c -> "v" + c.version()).orElse("none"));
    } catch (BundleException e) {
      refuse(entry, current, e.reason().name().toLowerCase(java.util.Locale.ROOT), e);
    } catch (RuntimeException e) {
      refuse(entry, current, "load_failed", e);
    }
  }

  private void refuse(
      ReleaseEntry entry, Optional<ServedModel> current, String reason, Exception error) {
    settled.put(entry.model(), entry);
    metrics
        .counter("flywheel.ingest.model.swaps", "model", entry.model(), "outcome", reason)
        .increment();
    LOG.error(
        "Refused {} v{} (release at {}): {}; still serving {}",
        entry.model(),
        entry.version(),
        entry.position(),
        error.toString(),
        current.map(c -> "v" + c.version()).orElse("nothing"));
  }

  @Override
  public void close() {
    loader.shutdownNow();
    try {
      loader.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    served.close();
    closer.shutdown();
    try {
      closer.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
