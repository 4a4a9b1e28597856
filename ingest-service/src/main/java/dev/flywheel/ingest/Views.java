package dev.flywheel.ingest;

import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.slm.BaseModelInfo;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Map;

/** The JSON views of the registry routes, shaped as the contract's schemas. */
final class Views {
  private Views() {}

  static JsonObject spec(ModelSpec spec) {
    JsonObject json = AvroJson.record(spec);
    json.put("task", spec.getTask().name().toLowerCase(Locale.ROOT));
    return json;
  }

  static JsonObject release(ReleaseEntry entry) {
    ModelReleased release = entry.release();
    return new JsonObject()
        .put("position", entry.position())
        .put("release_id", release.getReleaseId())
        .put("model", entry.model())
        .put("version", entry.version())
        .put("kind", release.getKind().name().toLowerCase(Locale.ROOT))
        .put("artifact_uri", release.getArtifactUri())
        .put("sha256", release.getSha256())
        .put("size_bytes", release.getSizeBytes())
        .put("labels", AvroJson.toJson(release.getLabels()))
        .put("metrics", AvroJson.toJson(release.getMetrics()))
        .put("previous_version", release.getPreviousVersion())
        .put("reason", release.getReason())
        .put("released_at", release.getTimestamp().toEpochMilli());
  }

  /** A version's summary (in a model view) or, with {@code full}, its manifest. */
  static JsonObject version(String model, RegistryView.VersionInfo info, boolean full) {
    JsonObject json =
        new JsonObject()
            .put("model", model)
            .put("version", info.version)
            .put("state", info.state.name().toLowerCase(Locale.ROOT));
    if (info.candidate != null) {
      json.put("artifact_uri", info.candidate.getArtifactUri())
          .put("sha256", info.candidate.getSha256())
          .put("size_bytes", info.candidate.getSizeBytes())
          .put("architecture", info.candidate.getArchitecture())
          .put("labels", AvroJson.toJson(info.candidate.getLabels()))
          .put("validation_metrics", AvroJson.toJson(info.candidate.getValidationMetrics()))
          .put("parent_version", info.candidate.getParentVersion())
          .put("base_model", baseModel(info.candidate.getBaseModel()));
      if (full) {
        json.put("hyperparameters", AvroJson.toJson(info.candidate.getHyperparameters()))
            .put("training_metrics", AvroJson.toJson(info.candidate.getTrainingMetrics()))
            .put("snapshot", AvroJson.toJson(info.candidate.getSnapshot()))
            .put("request_id", info.candidate.getRequestId())
            .put("epochs", info.candidate.getEpochs())
            .put("device", info.candidate.getDevice())
            .put("worker", info.candidate.getWorker())
            .put("duration_millis", info.candidate.getDurationMillis())
            .put("created_at", info.candidate.getTimestamp().toEpochMilli());
      }
    } else if (info.lastRelease != null) {
      json.put("artifact_uri", info.lastRelease.getArtifactUri())
          .put("sha256", info.lastRelease.getSha256())
          .put("size_bytes", info.lastRelease.getSizeBytes())
          .put("labels", AvroJson.toJson(info.lastRelease.getLabels()));
    }
    if (info.evaluation != null) {
      JsonObject evaluation = AvroJson.record(info.evaluation);
      json.put("evaluation", full ? evaluation : summary(evaluation));
    }
    if (info.failure != null) {
      json.put("failure", AvroJson.record(info.failure));
    }
    return json;
  }

  /** A base model's card as the candidate event carries it (a string map); null for none. */
  static JsonObject baseModel(Map<String, String> card) {
    if (card == null) {
      return null;
    }
    JsonObject json = new JsonObject();
    card.forEach(json::put);
    String parameters = card.get("parameters");
    if (parameters != null && parameters.matches("[0-9]{1,18}")) {
      json.put("parameters", Long.parseLong(parameters));
    }
    return json;
  }

  /** A base model's card as {@code GET /v1/base-models} lists it. */
  static JsonObject baseModel(BaseModelInfo info) {
    return new JsonObject()
        .put("name", info.name())
        .put("architecture", info.architecture())
        .put("parameters", info.parameters())
        .put("licence", info.licence())
        .put("source", info.source())
        .put("sha256", info.sha256());
  }

  private static JsonObject summary(JsonObject evaluation) {
    return new JsonObject()
        .put("evaluation_id", evaluation.getValue("evaluation_id"))
        .put("decision", evaluation.getValue("decision"))
        .put("candidate_metrics", evaluation.getValue("candidate_metrics"))
        .put("champion_metrics", evaluation.getValue("champion_metrics"))
        .put("prior", evaluation.getValue("prior"))
        .put("p_value", evaluation.getValue("p_value"))
        .put("reasons", evaluation.getValue("reasons"));
  }
}
