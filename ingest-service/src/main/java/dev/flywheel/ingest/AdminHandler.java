package dev.flywheel.ingest;

import dev.flywheel.common.error.ValidationError;
import dev.flywheel.events.GatePolicy;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.ReleaseAction;
import dev.flywheel.events.ReleaseRequested;
import dev.flywheel.events.RetrainReason;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.events.TaskType;
import dev.flywheel.events.TriggerPolicy;
import dev.flywheel.schemas.Topics;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The admin operations, each a request event rather than a state change here: {@code PUT
 * /v1/models/{model}} writes the spec to the model-specs topic, {@code retrain} a MANUAL request to
 * retrain-requests, {@code promote}/{@code rollback} a request to release-requests that the
 * evaluator honours. Each answers 202 once Kafka acknowledged it.
 */
final class AdminHandler {
  private final Topics topics;
  private final EventProducer producer;
  private final RegistryView registry;

  AdminHandler(Topics topics, EventProducer producer, RegistryView registry) {
    this.topics = topics;
    this.producer = producer;
    this.registry = registry;
  }

  void putSpec(RoutingContext ctx) {
    String model = Requests.pathString(ctx, "model");
    JsonObject body = Requests.bodyObject(ctx);
    if (body.containsKey("name") && !model.equals(body.getString("name"))) {
      ctx.fail(
          ApiException.badRequest(
              "the spec names another model",
              List.of(new ValidationError("name", "must be '" + model + "' or absent"))));
      return;
    }
    ModelSpec spec = toSpec(model, body, Gatekeeper.principal(ctx).appId());
    producer
        .send(ctx.vertx(), List.of(new Outgoing<>(topics.modelSpecs(), model, spec)))
        .onSuccess(
            v -> {
              // Read-your-writes: the follower will apply the same record again.
              registry.applySpec(spec);
              Requests.json(ctx, 202, Views.spec(spec));
            })
        .onFailure(ctx::fail);
  }

  void retrain(RoutingContext ctx) {
    String model = Requests.pathString(ctx, "model");
    if (!registry.knows(model)) {
      ctx.fail(ApiException.notFound("unknown model '" + model + "'"));
      return;
    }
    JsonObject body = Requests.bodyObject(ctx);
    String requestId = Ids.random();
    RetrainRequested request =
        RetrainRequested.newBuilder()
            .setRequestId(requestId)
            .setModel(model)
            .setReason(RetrainReason.MANUAL)
            .setFromScratch(body.getBoolean("from_scratch", false))
            .setChampionVersion(registry.champion(model).map(ReleaseEntry::version).orElse(null))
            .setRequestedBy(Gatekeeper.principal(ctx).appId())
            .setDetail(body.getString("detail", "manual retrain through the gateway"))
            .setTimestamp(Instant.now())
            .build();
    send(ctx, new Outgoing<>(topics.retrainRequests(), model, request), requestId);
  }

  void promote(RoutingContext ctx) {
    String model = Requests.pathString(ctx, "model");
    JsonObject body = Requests.bodyObject(ctx);
    int version = body.getInteger("version");
    if (registry.version(model, version, v -> v).isEmpty()) {
      ctx.fail(ApiException.notFound("model '" + model + "' has no version " + version));
      return;
    }
    release(ctx, model, ReleaseAction.PROMOTE, version, body.getString("reason"));
  }

  void rollback(RoutingContext ctx) {
    String model = Requests.pathString(ctx, "model");
    if (registry.champion(model).isEmpty()) {
      ctx.fail(ApiException.notFound("model '" + model + "' has no released version to roll back"));
      return;
    }
    release(ctx, model, ReleaseAction.ROLLBACK, null, Requests.bodyObject(ctx).getString("reason"));
  }

  private void release(
      RoutingContext ctx, String model, ReleaseAction action, Integer version, String reason) {
    String requestId = Ids.random();
    ReleaseRequested request =
        ReleaseRequested.newBuilder()
            .setRequestId(requestId)
            .setModel(model)
            .setAction(action)
            .setVersion(version)
            .setReason(reason)
            .setRequestedBy(Gatekeeper.principal(ctx).appId())
            .setTimestamp(Instant.now())
            .build();
    send(ctx, new Outgoing<>(topics.releaseRequests(), model, request), requestId);
  }

  private void send(RoutingContext ctx, Outgoing<?, ?> record, String requestId) {
    producer
        .send(ctx.vertx(), List.of(record))
        .onSuccess(v -> Requests.json(ctx, 202, new JsonObject().put("request_id", requestId)))
        .onFailure(ctx::fail);
  }

  static ModelSpec toSpec(String model, JsonObject body, String updatedBy) {
    List<String> labels = new ArrayList<>();
    body.getJsonArray("labels", new JsonArray()).forEach(l -> labels.add((String) l));
    Map<String, String> hyperparameters = new LinkedHashMap<>();
    body.getJsonObject("hyperparameters", new JsonObject())
        .forEach(e -> hyperparameters.put(e.getKey(), String.valueOf(e.getValue())));
    TriggerPolicy trigger = TriggerPolicy.newBuilder().build();
    AvroJson.fill(trigger, body.getJsonObject("trigger", new JsonObject()));
    GatePolicy gate = GatePolicy.newBuilder().build();
    AvroJson.fill(gate, body.getJsonObject("gate", new JsonObject()));
    ModelSpec.Builder spec =
        ModelSpec.newBuilder()
            .setName(model)
            .setTask(TaskType.TEXT_CLASSIFICATION)
            .setLabels(labels)
            .setHyperparameters(hyperparameters)
            .setTrigger(trigger)
            .setGate(gate)
            .setDescription(body.getString("description"))
            .setUpdatedBy(updatedBy)
            .setUpdatedAt(Instant.now());
    if (body.containsKey("architecture")) {
      spec.setArchitecture(body.getString("architecture"));
    }
    if (body.containsKey("holdout_share")) {
      spec.setHoldoutShare(body.getDouble("holdout_share"));
    }
    return spec.build();
  }
}
