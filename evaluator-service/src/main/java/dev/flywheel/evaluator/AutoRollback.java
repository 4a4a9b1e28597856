package dev.flywheel.evaluator;

import dev.flywheel.events.GatePolicy;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ReleaseKind;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Applies the {@link RollbackRule} to a model's current champion. Only a champion the gate PROMOTED
 * is rolled back automatically: once the predecessor serves again (kind ROLLED_BACK), the rule no
 * longer applies, which makes the rollback happen once per drop, also across restarts (the state is
 * rebuilt from the release history). Manually set champions are the admin's call.
 */
final class AutoRollback {

  private AutoRollback() {}

  static Optional<ModelReleased> decide(String model, StateView state, Instant now) {
    Optional<ModelReleased> current = state.releases().current(model);
    if (current.isEmpty()
        || current.get().getKind() != ReleaseKind.PROMOTED
        || current.get().getPreviousVersion() == null) {
      return Optional.empty();
    }
    GatePolicy policy = state.policy(model);
    if (!policy.getRollbackEnabled()) {
      return Optional.empty();
    }
    ModelReleased champion = current.get();
    int previous = champion.getPreviousVersion();
    Optional<ModelReleased> predecessor = state.releases().latestOf(model, previous);
    if (predecessor.isEmpty()) {
      return Optional.empty();
    }
    RollbackRule.Verdict verdict =
        RollbackRule.judge(
            state.quality().live(model, champion.getModel().getVersion()),
            state.quality().live(model, previous),
            policy.getRollbackMinFeedback(),
            policy.getSignificanceLevel());
    if (!verdict.rollBack()) {
      return Optional.empty();
    }
    Map<String, String> evidence = new LinkedHashMap<>(verdict.evidence());
    evidence.put("championVersion", Integer.toString(champion.getModel().getVersion()));
    evidence.put("predecessorVersion", Integer.toString(previous));
    String reason =
        "live accuracy of v"
            + champion.getModel().getVersion()
            + " ("
            + verdict.evidence().get("championLiveAccuracy")
            + ") significantly below v"
            + previous
            + " ("
            + verdict.evidence().get("predecessorLiveAccuracy")
            + "), p="
            + verdict.evidence().get("pValue");
    return Optional.of(
        Releases.rolledBack(predecessor.get(), champion, reason, evidence, null, now));
  }
}
