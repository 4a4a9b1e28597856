package dev.flywheel.ingest;

import dev.flywheel.common.auth.Principal;
import dev.flywheel.common.error.ValidationError;
import dev.flywheel.events.GatePolicy;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.ReleaseAction;
import dev.flywheel.events.ReleaseRequested;
import dev.flywheel.events.RetrainReason;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.events.TaskType;
import dev.flywheel.events.TriggerPolicy;
import dev.flywheel.schemas.Texts;
import dev.flywheel.schemas.Topics;
import dev.flywheel.slm.InvalidHyperparametersException;
import dev.flywheel.slm.ModelRecipe;
import dev.flywheel.slm.Recipes;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

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

  /**
   * The largest integer every JSON consumer reads exactly (2^53 - 1), the contract's long bound.
   */
  static final long MAX_JSON_INTEGER = 9_007_199_254_740_991L;

  AdminHandler(Topics topics, EventProducer producer, RegistryView registry) {
    this.topics = topics;
    this.producer = producer;
    this.registry = registry;
  }

  void putSpec(RoutingContext ctx, Principal caller) {
    String model = Requests.pathString(ctx, "model");
    JsonObject body = Requests.bodyObject(ctx);
    if (body.containsKey("name") && !model.equals(body.getString("name"))) {
      ctx.fail(
          ApiException.badRequest(
              "the spec names another model",
              List.of(new ValidationError("name", "must be '" + model + "' or absent"))));
      return;
    }
    if (body.containsKey("updated_at")) {
      // Output only and replaced below, but still read strictly: never accept what we would not.
      AvroJson.strictLong(body.getValue("updated_at"), "updated_at", 0, MAX_JSON_INTEGER);
    }
    List<ValidationError> labelProblems = labelProblems(body.getJsonArray("labels"));
    if (!labelProblems.isEmpty()) {
      ctx.fail(ApiException.badRequest("the spec's labels are not usable", labelProblems));
      return;
    }
    ModelSpec spec = toSpec(model, body, caller.appId());
    List<ValidationError> recipeProblems = recipeProblems(spec);
    if (!recipeProblems.isEmpty()) {
      ctx.fail(
          ApiException.badRequest("the spec's recipe settings are not usable", recipeProblems));
      return;
    }
    // What the settings point at (a base model's directory) is read: off the event loop.
    ctx.vertx()
        .executeBlocking(() -> sourceProblems(spec), false)
        .compose(
            problems ->
                problems.isEmpty()
                    ? producer.send(
                        ctx.vertx(), List.of(new Outgoing<>(topics.modelSpecs(), model, spec)))
                    : Future.<Void>failedFuture(
                        ApiException.badRequest(
                            "what the spec's recipe settings name is not usable", problems)))
        .onSuccess(
            v -> {
              // Read-your-writes: the follower will apply the same record again.
              registry.applySpec(spec);
              Requests.json(ctx, 202, Views.spec(spec));
            })
        .onFailure(ctx::fail);
  }

  void retrain(RoutingContext ctx, Principal caller) {
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
            .setForce(body.getBoolean("force", false))
            .setChampionVersion(registry.champion(model).map(ReleaseEntry::version).orElse(null))
            .setRequestedBy(caller.appId())
            .setDetail(body.getString("detail", "manual retrain through the gateway"))
            .setTimestamp(Instant.now())
            .build();
    send(ctx, new Outgoing<>(topics.retrainRequests(), model, request), requestId);
  }

  void promote(RoutingContext ctx, Principal caller) {
    String model = Requests.pathString(ctx, "model");
    JsonObject body = Requests.bodyObject(ctx);
    int version = AvroJson.strictInt(body.getValue("version"), "version");
    if (registry.version(model, version, v -> v).isEmpty()) {
      ctx.fail(ApiException.notFound("model '" + model + "' has no version " + version));
      return;
    }
    release(ctx, caller, model, ReleaseAction.PROMOTE, version, body.getString("reason"));
  }

  void rollback(RoutingContext ctx, Principal caller) {
    String model = Requests.pathString(ctx, "model");
    if (registry.champion(model).isEmpty()) {
      ctx.fail(ApiException.notFound("model '" + model + "' has no released version to roll back"));
      return;
    }
    release(
        ctx,
        caller,
        model,
        ReleaseAction.ROLLBACK,
        null,
        Requests.bodyObject(ctx).getString("reason"));
  }

  private void release(
      RoutingContext ctx,
      Principal caller,
      String model,
      ReleaseAction action,
      Integer version,
      String reason) {
    String requestId = Ids.random();
    ReleaseRequested request =
        ReleaseRequested.newBuilder()
            .setRequestId(requestId)
            .setModel(model)
            .setAction(action)
            .setVersion(version)
            .setReason(reason)
            .setRequestedBy(caller.appId())
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

  /**
   * Labels must be distinct and visible. Checked here in linear time rather than with the
   * contract's {@code uniqueItems}, which the schema validator checks in quadratic time.
   */
  static List<ValidationError> labelProblems(JsonArray labels) {
    List<ValidationError> problems = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; labels != null && i < labels.size(); i++) {
      String label = labels.getString(i);
      Integer first = seen.putIfAbsent(label, i);
      if (first != null) {
        problems.add(new ValidationError("labels[" + i + "]", "repeats labels[" + first + "]"));
      } else if (!Texts.hasVisibleContent(label)) {
        problems.add(new ValidationError("labels[" + i + "]", "has no visible characters"));
      }
    }
    return problems;
  }

  /**
   * Asks the architecture's recipe whether it can train this spec (an unknown base model, a bad
   * fine-tune mode or hyperparameter), so that a bad spec is refused here rather than by the
   * trainer later.
   */
  static List<ValidationError> recipeProblems(ModelSpec spec) {
    Optional<ModelRecipe> recipe = Recipes.find(spec.getArchitecture());
    if (recipe.isEmpty()) {
      return List.of(
          new ValidationError(
              "architecture",
              "unknown architecture '"
                  + spec.getArchitecture()
                  + "' (known: "
                  + Recipes.keys()
                  + ")"));
    }
    try {
      recipe.get().settings(recipeSettings(spec));
      return List.of();
    } catch (InvalidHyperparametersException e) {
      return validationErrors(e.problems());
    }
  }

  /**
   * Problems with what a spec's valid settings name outside it (a base model's directory); reads
   * it, so blocking.
   */
  static List<ValidationError> sourceProblems(ModelSpec spec) {
    ModelRecipe recipe = Recipes.find(spec.getArchitecture()).orElseThrow();
    return validationErrors(recipe.sourceProblems(recipe.settings(recipeSettings(spec))));
  }

  private static Map<String, String> recipeSettings(ModelSpec spec) {
    Map<String, String> settings = new LinkedHashMap<>(spec.getHyperparameters());
    settings.put("architecture", spec.getArchitecture().trim().toLowerCase(Locale.ROOT));
    if (spec.getBaseModel() != null) {
      settings.put("baseModel", spec.getBaseModel());
    }
    if (spec.getFineTune() != null) {
      settings.put("fineTune", spec.getFineTune());
    }
    return settings;
  }

  /** Recipe problems ({@code key: message}) as errors on the spec's JSON fields. */
  private static List<ValidationError> validationErrors(List<String> recipeProblems) {
    List<ValidationError> problems = new ArrayList<>();
    for (String p : recipeProblems) {
      int colon = p.indexOf(':');
      String key = colon > 0 ? p.substring(0, colon) : "hyperparameters";
      String field =
          switch (key) {
            case "baseModel" -> "base_model";
            case "fineTune" -> "fine_tune";
            case "architecture" -> "architecture";
            default -> "hyperparameters." + key;
          };
      problems.add(new ValidationError(field, colon > 0 ? p.substring(colon + 1).trim() : p));
    }
    return problems;
  }

  static ModelSpec toSpec(String model, JsonObject body, String updatedBy) {
    List<String> labels = new ArrayList<>();
    body.getJsonArray("labels", new JsonArray()).forEach(l -> labels.add((String) l));
    Map<String, String> hyperparameters = new LinkedHashMap<>();
    body.getJsonObject("hyperparameters", new JsonObject())
        .forEach(e -> hyperparameters.put(e.getKey(), String.valueOf(e.getValue())));
    TriggerPolicy trigger = TriggerPolicy.newBuilder().build();
    AvroJson.fill(trigger, body.getJsonObject("trigger", new JsonObject()), "trigger");
    GatePolicy gate = GatePolicy.newBuilder().build();
    AvroJson.fill(gate, body.getJsonObject("gate", new JsonObject()), "gate");
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
    if (body.containsKey("base_model")) {
      spec.setBaseModel(body.getString("base_model"));
    }
    if (body.containsKey("fine_tune")) {
      spec.setFineTune(body.getString("fine_tune"));
    }
    if (body.containsKey("holdout_share")) {
      spec.setHoldoutShare(body.getDouble("holdout_share"));
    }
    return spec.build();
  }
}
