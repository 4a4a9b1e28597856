package dev.flywheel.evaluator;

import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ReleaseAction;
import dev.flywheel.events.ReleaseRequested;
import java.time.Instant;
import java.util.Optional;

/** Turns an admin's release request into the release it asks for, or says why it cannot be done. */
final class ManualRelease {

  private ManualRelease() {}

  /**
   * The release that honours {@code request}: PROMOTE a known version (kind MANUAL), or ROLLBACK to
   * the current champion's predecessor (kind ROLLED_BACK), both recording who asked.
   *
   * @throws IllegalArgumentException when the request cannot be honoured (unknown version, nothing
   *     to roll back to, unknown action)
   */
  static ModelReleased resolve(ReleaseRequested request, StateView state, Instant now) {
    String model = request.getModel();
    Optional<ModelReleased> current = state.releases().current(model);
    if (request.getAction() == ReleaseAction.PROMOTE) {
      Integer version = request.getVersion();
      if (version == null) {
        throw new IllegalArgumentException("PROMOTE of " + model + " names no version");
      }
      if (current.isPresent() && current.get().getModel().getVersion() == version) {
        throw new IllegalArgumentException(model + " v" + version + " is already the champion");
      }
      Optional<ModelReleased> earlier = state.releases().latestOf(model, version);
      if (earlier.isPresent()) {
        return Releases.manual(earlier.get(), current, request, now);
      }
      Optional<ModelCandidate> candidate = state.candidate(model, version);
      if (candidate.isPresent()) {
        return Releases.manual(candidate.get(), current, request, now);
      }
      throw new IllegalArgumentException(
          model + " v" + version + " is neither a released version nor a known candidate");
    }
    if (request.getAction() == ReleaseAction.ROLLBACK) {
      ModelReleased champion =
          current.orElseThrow(
              () -> new IllegalArgumentException(model + " has no champion to roll back"));
      Integer previous = champion.getPreviousVersion();
      if (previous == null) {
        throw new IllegalArgumentException(
            model
                + " v"
                + champion.getModel().getVersion()
                + " has no predecessor to roll back to");
      }
      ModelReleased predecessor =
          state
              .releases()
              .latestOf(model, previous)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          model + " v" + previous + " was never released; cannot roll back to it"));
      String reason =
          "manual rollback requested by "
              + request.getRequestedBy()
              + (request.getReason() == null ? "" : ": " + request.getReason());
      return Releases.rolledBack(
          predecessor,
          champion,
          reason,
          Releases.requestEvidence(request),
          request.getRequestedBy(),
          now);
    }
    throw new IllegalArgumentException("unknown release action " + request.getAction());
  }
}
