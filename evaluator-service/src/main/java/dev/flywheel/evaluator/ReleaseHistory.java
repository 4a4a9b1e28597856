package dev.flywheel.evaluator;

import dev.flywheel.events.ModelReleased;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which version serves each model, rebuilt from the releases topic (the single source of truth) and
 * kept current as releases are made. Applying a release twice (once locally after the transaction
 * commits, once when it is read back from the topic) has no effect the second time. Used from the
 * evaluator's single loop thread only.
 */
final class ReleaseHistory {

  private final Map<String, List<ModelReleased>> byModel = new HashMap<>();
  private final Set<String> seen = new HashSet<>();

  /** Records a release; returns whether it was new. */
  boolean apply(ModelReleased release) {
    if (!seen.add(release.getReleaseId())) {
      return false;
    }
    byModel.computeIfAbsent(release.getModel().getModel(), m -> new ArrayList<>()).add(release);
    return true;
  }

  /** The release that made the current champion. */
  Optional<ModelReleased> current(String model) {
    List<ModelReleased> releases = byModel.get(model);
    return releases == null || releases.isEmpty()
        ? Optional.empty()
        : Optional.of(releases.get(releases.size() - 1));
  }

  /** The latest release of one version of a model (its artifact, sha256 and metrics). */
  Optional<ModelReleased> latestOf(String model, int version) {
    List<ModelReleased> releases = byModel.getOrDefault(model, List.of());
    for (int i = releases.size() - 1; i >= 0; i--) {
      if (releases.get(i).getModel().getVersion() == version) {
        return Optional.of(releases.get(i));
      }
    }
    return Optional.empty();
  }

  /** Every model with at least one release. */
  Set<String> models() {
    return Set.copyOf(byModel.keySet());
  }
}
