package dev.flywheel.ingest;

import dev.flywheel.common.auth.Principal;
import dev.flywheel.common.error.ValidationError;
import dev.flywheel.events.FeedbackKind;
import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.schemas.ExampleIds;
import dev.flywheel.schemas.Texts;
import dev.flywheel.schemas.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /v1/feedback} and {@code POST /v1/models/{model}/examples}: one item or a batch. A
 * batch validates each item against the contract's item schema on its own, produces only the valid
 * ones and reports a result per item. The answer is 202 only once Kafka acknowledged every produced
 * record; the app id comes from the API key.
 */
final class FeedbackHandler {
  private final Topics topics;
  private final EventProducer producer;
  private final RegistryView registry;
  private final ItemValidator feedbackItem;
  private final ItemValidator exampleItem;
  private final int maxBatchItems;
  private final Map<FeedbackKind, Counter> feedbackCounters = new EnumMap<>(FeedbackKind.class);

  /** One item after validation: the event to produce, or why it was rejected. */
  private record Item(
      int index,
      Outgoing<String, FeedbackReceived> record,
      String id,
      List<ValidationError> errors) {
    boolean valid() {
      return errors.isEmpty();
    }
  }

  FeedbackHandler(
      Topics topics,
      EventProducer producer,
      RegistryView registry,
      ItemValidator feedbackItem,
      ItemValidator exampleItem,
      int maxBatchItems,
      MeterRegistry metrics) {
    this.topics = topics;
    this.producer = producer;
    this.registry = registry;
    this.feedbackItem = feedbackItem;
    this.exampleItem = exampleItem;
    this.maxBatchItems = maxBatchItems;
    for (FeedbackKind kind : FeedbackKind.values()) {
      feedbackCounters.put(
          kind,
          Counter.builder("flywheel.ingest.feedback")
              .description("Feedback and examples acknowledged by Kafka, by kind")
              .tag("kind", kind.name().toLowerCase(Locale.ROOT))
              .register(metrics));
    }
  }

  void postFeedback(RoutingContext ctx, Principal caller) {
    String app = caller.appId();
    accept(ctx, Requests.body(ctx), feedbackItem, (index, json) -> feedback(index, json, app));
  }

  void postExamples(RoutingContext ctx, Principal caller) {
    String model = Requests.pathString(ctx, "model");
    if (!registry.knows(model)) {
      ctx.fail(ApiException.notFound("unknown model '" + model + "': PUT its spec first"));
      return;
    }
    Optional<ModelSpec> spec = registry.spec(model);
    String app = caller.appId();
    accept(
        ctx,
        Requests.body(ctx),
        exampleItem,
        (index, json) -> example(index, json, model, spec, app));
  }

  private interface ItemBuilder {
    Item build(int index, JsonObject json);
  }

  private void accept(
      RoutingContext ctx, Object body, ItemValidator itemSchema, ItemBuilder builder) {
    if (body instanceof JsonObject single) {
      Item item = builder.build(-1, single);
      if (!item.valid()) {
        ctx.fail(ApiException.badRequest("the item is invalid", item.errors()));
        return;
      }
      producer
          .send(ctx.vertx(), List.of(item.record()))
          .onSuccess(v -> acceptedOne(ctx, item))
          .onFailure(ctx::fail);
      return;
    }
    JsonArray batch = (JsonArray) body;
    if (batch.size() > maxBatchItems) {
      ctx.fail(
          ApiException.badRequest(
              "a batch holds at most " + maxBatchItems + " items",
              List.of(new ValidationError("body", "has " + batch.size() + " items"))));
      return;
    }
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      Object element = batch.getValue(i);
      List<ValidationError> problems = itemSchema.problems(element, "[" + i + "]");
      if (!problems.isEmpty()) {
        items.add(new Item(i, null, null, problems));
      } else {
        items.add(builder.build(i, (JsonObject) element));
      }
    }
    List<Outgoing<?, ?>> records = new ArrayList<>();
    List<ValidationError> allErrors = new ArrayList<>();
    for (Item item : items) {
      if (item.valid()) {
        records.add(item.record());
      } else {
        allErrors.addAll(item.errors());
      }
    }
    if (records.isEmpty()) {
      ctx.fail(ApiException.badRequest("no item of the batch is valid", allErrors));
      return;
    }
    producer.send(ctx.vertx(), records).onSuccess(v -> accepted(ctx, items)).onFailure(ctx::fail);
  }

  /** The answer to a single item: its result object alone. */
  private void acceptedOne(RoutingContext ctx, Item item) {
    Requests.json(ctx, 202, acceptedResult(new JsonObject(), item));
  }

  private JsonObject acceptedResult(JsonObject result, Item item) {
    FeedbackReceived event = item.record().value();
    feedbackCounters.get(event.getKind()).increment();
    return result
        .put("status", "accepted")
        .put("id", item.id())
        .put("idempotency_id", event.getIdempotencyId());
  }

  private void accepted(RoutingContext ctx, List<Item> items) {
    JsonArray results = new JsonArray();
    int accepted = 0;
    for (Item item : items) {
      JsonObject result = new JsonObject().put("index", item.index());
      if (item.valid()) {
        accepted++;
        acceptedResult(result, item);
      } else {
        JsonArray errors = new JsonArray();
        item.errors()
            .forEach(
                e ->
                    errors.add(
                        new JsonObject().put("field", e.field()).put("message", e.message())));
        result
            .put("status", "rejected")
            .put("error_code", 400)
            .put("message", "the item is invalid")
            .put("validation_errors", errors);
      }
      results.add(result);
    }
    Requests.json(
        ctx,
        202,
        new JsonObject()
            .put("accepted", accepted)
            .put("rejected", items.size() - accepted)
            .put("results", results));
  }

  private Item feedback(int index, JsonObject json, String app) {
    String prefix = index < 0 ? "" : "[" + index + "].";
    FeedbackKind kind = FeedbackKind.valueOf(json.getString("kind").toUpperCase(Locale.ROOT));
    List<ValidationError> errors = new ArrayList<>();
    if (kind == FeedbackKind.CORRECTION && json.getString("label") == null) {
      errors.add(new ValidationError(prefix + "label", "is required for a correction"));
    }
    if (kind == FeedbackKind.COMMENT && json.getString("comment") == null) {
      errors.add(new ValidationError(prefix + "comment", "is required for a comment"));
    }
    if (!errors.isEmpty()) {
      return new Item(index, null, null, errors);
    }
    String feedbackId = Ids.random();
    FeedbackReceived event =
        FeedbackReceived.newBuilder()
            .setFeedbackId(feedbackId)
            .setIdempotencyId(json.getString("idempotency_id", feedbackId))
            .setKind(kind)
            .setPredictionId(json.getString("prediction_id"))
            .setLabel(json.getString("label"))
            .setComment(json.getString("comment"))
            .setApp(app)
            .setTimestamp(Instant.now())
            .build();
    return new Item(
        index,
        new Outgoing<>(topics.feedback(), event.getPredictionId(), event),
        feedbackId,
        List.of());
  }

  private Item example(
      int index, JsonObject json, String model, Optional<ModelSpec> spec, String app) {
    String prefix = index < 0 ? "" : "[" + index + "].";
    String text = json.getString("text");
    String label = json.getString("label");
    if (spec.isPresent() && !spec.get().getLabels().contains(label)) {
      return new Item(
          index,
          null,
          null,
          List.of(
              new ValidationError(
                  prefix + "label", "is not one of the model's labels " + spec.get().getLabels())));
    }
    if (!Texts.hasVisibleContent(text)) {
      return new Item(
          index,
          null,
          null,
          List.of(new ValidationError(prefix + "text", "has no visible characters")));
    }
    String exampleId = ExampleIds.of(model, text);
    String feedbackId = Ids.random();
    FeedbackReceived event =
        FeedbackReceived.newBuilder()
            .setFeedbackId(feedbackId)
            .setIdempotencyId(json.getString("idempotency_id", feedbackId))
            .setKind(FeedbackKind.EXAMPLE)
            .setModel(model)
            .setText(text)
            .setLabel(label)
            .setApp(app)
            .setTimestamp(Instant.now())
            .build();
    return new Item(
        index, new Outgoing<>(topics.feedback(), exampleId, event), exampleId, List.of());
  }
}
