package dev.flywheel.evaluator;

import dev.flywheel.events.EvaluationCompleted;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelMetrics;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ReleaseKind;
import dev.flywheel.events.ReleaseRequested;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Builds the release events: every one says which version it replaced and why, so the release
 * history alone tells which version served when.
 */
final class Releases {

  /** Headline metric keys of a release. */
  static final String ACCURACY = "accuracy";

  static final String MACRO_F1 = "macroF1";
  static final String TRAIN_EXAMPLES = "trainExamples";
  static final String HOLDOUT_EXAMPLES = "holdoutExamples";

  private Releases() {}

  /** A candidate the gate passed. */
  static ModelReleased promoted(
      ModelCandidate candidate,
      EvaluationCompleted evaluation,
      Optional<ModelReleased> previous,
      Instant now) {
    ModelMetrics m = evaluation.getCandidateMetrics();
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put(ACCURACY, m.getAccuracy());
    metrics.put(MACRO_F1, m.getMacroF1());
    metrics.put(TRAIN_EXAMPLES, (double) candidate.getSnapshot().getTrainExamples());
    metrics.put(HOLDOUT_EXAMPLES, (double) evaluation.getHoldoutExamples());
    return fromCandidate(candidate, ReleaseKind.PROMOTED, previous, metrics, now)
        .setEvaluationId(evaluation.getEvaluationId())
        .setReason(String.join("; ", evaluation.getReasons()))
        .build();
  }

  /** The predecessor of the current champion, serving again. */
  static ModelReleased rolledBack(
      ModelReleased predecessor,
      ModelReleased current,
      String reason,
      Map<String, String> evidence,
      String releasedBy,
      Instant now) {
    return ModelReleased.newBuilder(predecessor)
        .setReleaseId(UUID.randomUUID().toString())
        .setKind(ReleaseKind.ROLLED_BACK)
        .setPreviousVersion(current.getModel().getVersion())
        .setEvaluationId(null)
        .setReason(reason)
        .setEvidence(new HashMap<>(evidence))
        .setReleasedBy(releasedBy)
        .setTimestamp(now)
        .build();
  }

  /** An admin's promotion of a version that was released before. */
  static ModelReleased manual(
      ModelReleased earlier,
      Optional<ModelReleased> current,
      ReleaseRequested request,
      Instant now) {
    return ModelReleased.newBuilder(earlier)
        .setReleaseId(UUID.randomUUID().toString())
        .setKind(ReleaseKind.MANUAL)
        .setPreviousVersion(current.map(c -> c.getModel().getVersion()).orElse(null))
        .setEvaluationId(null)
        .setReason(manualReason(request))
        .setEvidence(requestEvidence(request))
        .setReleasedBy(request.getRequestedBy())
        .setTimestamp(now)
        .build();
  }

  /** An admin's promotion of a candidate that was never released (the gate may have refused it). */
  static ModelReleased manual(
      ModelCandidate candidate,
      Optional<ModelReleased> current,
      ReleaseRequested request,
      Instant now) {
    Map<String, Double> metrics = new LinkedHashMap<>(candidate.getValidationMetrics());
    metrics.put(TRAIN_EXAMPLES, (double) candidate.getSnapshot().getTrainExamples());
    return fromCandidate(candidate, ReleaseKind.MANUAL, current, metrics, now)
        .setReason(manualReason(request))
        .setEvidence(requestEvidence(request))
        .setReleasedBy(request.getRequestedBy())
        .build();
  }

  private static ModelReleased.Builder fromCandidate(
      ModelCandidate candidate,
      ReleaseKind kind,
      Optional<ModelReleased> previous,
      Map<String, Double> metrics,
      Instant now) {
    return ModelReleased.newBuilder()
        .setReleaseId(UUID.randomUUID().toString())
        .setModel(candidate.getModel())
        .setKind(kind)
        .setArtifactUri(candidate.getArtifactUri())
        .setSha256(candidate.getSha256())
        .setSizeBytes(candidate.getSizeBytes())
        .setLabels(candidate.getLabels())
        .setMetrics(metrics)
        .setPreviousVersion(previous.map(p -> p.getModel().getVersion()).orElse(null))
        .setEvidence(Map.of())
        .setReleasedBy(null)
        .setTimestamp(now);
  }

  static Map<String, String> requestEvidence(ReleaseRequested request) {
    Map<String, String> evidence = new LinkedHashMap<>();
    evidence.put("requestId", request.getRequestId());
    evidence.put("requestedBy", request.getRequestedBy());
    evidence.put("action", request.getAction().name());
    if (request.getReason() != null) {
      evidence.put("requestReason", request.getReason());
    }
    return evidence;
  }

  private static String manualReason(ReleaseRequested request) {
    String base = request.getAction().name().toLowerCase(Locale.ROOT);
    return request.getReason() == null
        ? base + " requested by " + request.getRequestedBy()
        : base + " requested by " + request.getRequestedBy() + ": " + request.getReason();
  }
}
