package dev.flywheel.ingest;

import dev.flywheel.events.Decision;
import dev.flywheel.events.EvaluationCompleted;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.ReleaseKind;
import dev.flywheel.events.TrainingFailed;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The model registry as the gateway sees it, built only from the topics: specs, candidates,
 * training failures, evaluations and releases. The follower thread applies records; HTTP handlers
 * read copies. Release listeners (the SSE streams, the model swapper) hear of each release after it
 * was applied.
 */
final class RegistryView {
  /** The lifecycle of one version as the registry shows it. */
  enum VersionState {
    CANDIDATE,
    REJECTED,
    RELEASED,
    ROLLED_BACK,
    FAILED
  }

  /** What is known of one version; mutable, guarded by the view's lock. */
  static final class VersionInfo {
    final int version;
    VersionState state = VersionState.CANDIDATE;
    ModelCandidate candidate;
    EvaluationCompleted evaluation;
    TrainingFailed failure;
    ModelReleased lastRelease;

    VersionInfo(int version) {
      this.version = version;
    }
  }

  private final Map<String, ModelSpec> specs = new TreeMap<>();
  private final Map<String, TreeMap<Integer, VersionInfo>> versions = new TreeMap<>();
  private final Map<String, ReleaseEntry> champions = new TreeMap<>();
  private final List<ReleaseEntry> releases = new ArrayList<>();
  private final Map<Integer, Long> releaseEnds = new TreeMap<>();
  private final List<Consumer<ReleaseEntry>> listeners = new CopyOnWriteArrayList<>();

  /**
   * Applies a spec unless the view already holds a newer one: a PUT applies its spec at once
   * (read-your-writes), and the follower applies the same records again later, possibly an older
   * one after a newer PUT; that must not make a read go back in time.
   */
  synchronized void applySpec(ModelSpec spec) {
    specs.merge(
        spec.getName(),
        spec,
        (held, next) -> next.getUpdatedAt().isBefore(held.getUpdatedAt()) ? held : next);
  }

  synchronized void applyCandidate(ModelCandidate candidate) {
    VersionInfo info = version(candidate.getModel().getModel(), candidate.getModel().getVersion());
    info.candidate = candidate;
  }

  synchronized void applyFailure(TrainingFailed failure) {
    if (failure.getVersion() == null) {
      return;
    }
    VersionInfo info = version(failure.getModel(), failure.getVersion());
    info.failure = failure;
    if (info.state == VersionState.CANDIDATE) {
      info.state = VersionState.FAILED;
    }
  }

  synchronized void applyEvaluation(EvaluationCompleted evaluation) {
    VersionInfo info =
        version(evaluation.getCandidate().getModel(), evaluation.getCandidate().getVersion());
    info.evaluation = evaluation;
    if (evaluation.getDecision() == Decision.REJECT && info.state == VersionState.CANDIDATE) {
      info.state = VersionState.REJECTED;
    }
  }

  /** Applies a release read at {@code partition}/{@code offset}, then tells the listeners. */
  void applyRelease(ReleaseEntry entry) {
    synchronized (this) {
      ModelReleased release = entry.release();
      String model = entry.model();
      VersionInfo info = version(model, entry.version());
      info.state = VersionState.RELEASED;
      info.lastRelease = release;
      if (release.getKind() == ReleaseKind.ROLLED_BACK && release.getPreviousVersion() != null) {
        version(model, release.getPreviousVersion()).state = VersionState.ROLLED_BACK;
      }
      champions.put(model, entry);
      releases.add(entry);
      releaseEnds.merge(entry.partition(), entry.offset() + 1, Math::max);
    }
    for (Consumer<ReleaseEntry> listener : listeners) {
      listener.accept(entry);
    }
  }

  /** Records that the releases topic has these partitions, so positions name every one. */
  synchronized void releasePartitions(int count) {
    for (int p = 0; p < count; p++) {
      releaseEnds.putIfAbsent(p, 0L);
    }
  }

  void addReleaseListener(Consumer<ReleaseEntry> listener) {
    listeners.add(listener);
  }

  void removeReleaseListener(Consumer<ReleaseEntry> listener) {
    listeners.remove(listener);
  }

  /** Whether the registry has heard of the model (a spec, a version or a release). */
  synchronized boolean knows(String model) {
    return specs.containsKey(model) || versions.containsKey(model);
  }

  synchronized Optional<ModelSpec> spec(String model) {
    return Optional.ofNullable(specs.get(model));
  }

  synchronized Optional<ReleaseEntry> champion(String model) {
    return Optional.ofNullable(champions.get(model));
  }

  synchronized TreeSet<String> models() {
    TreeSet<String> names = new TreeSet<>(specs.keySet());
    names.addAll(versions.keySet());
    return names;
  }

  /** The versions of a model, oldest first, as JSON-ready views. */
  synchronized <T> List<T> versions(String model, Function<VersionInfo, T> map) {
    List<T> out = new ArrayList<>();
    versions.getOrDefault(model, new TreeMap<>()).values().forEach(v -> out.add(map.apply(v)));
    return out;
  }

  synchronized <T> Optional<T> version(String model, int version, Function<VersionInfo, T> map) {
    VersionInfo info = versions.getOrDefault(model, new TreeMap<>()).get(version);
    return Optional.ofNullable(info).map(map);
  }

  /** Every release so far, in topic order. */
  synchronized List<ReleaseEntry> releases() {
    return List.copyOf(releases);
  }

  /** The next offset per partition of the releases topic: where a stream from "now" starts. */
  synchronized Positions releaseEnd() {
    return Positions.of(releaseEnds);
  }

  private VersionInfo version(String model, int version) {
    return versions
        .computeIfAbsent(model, m -> new TreeMap<>())
        .computeIfAbsent(version, VersionInfo::new);
  }
}
