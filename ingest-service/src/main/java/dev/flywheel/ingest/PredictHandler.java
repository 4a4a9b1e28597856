package dev.flywheel.ingest;

import dev.flywheel.common.auth.Principal;
import dev.flywheel.common.error.ValidationError;
import dev.flywheel.events.PredictionLogged;
import dev.flywheel.schemas.Events;
import dev.flywheel.schemas.Texts;
import dev.flywheel.schemas.Topics;
import dev.flywheel.slm.Prediction;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code POST /v1/models/{model}/predict}: classifies with the version serving now, on the bounded
 * inference pool (never the event loop; concurrent single texts micro-batched into one pass, see
 * {@link MicroBatcher}), logs every prediction to the predictions topic and answers once Kafka
 * acknowledged the log. The served version is held for the whole inference, so a concurrent swap
 * cannot close it underneath.
 */
final class PredictHandler {
  private static final String INFERENCE_REJECTED = "flywheel.ingest.inference.rejected";

  /** Most single texts in one micro-batch. */
  static final int MAX_MICRO_BATCH = 16;

  /**
   * Whether single-text requests are micro-batched; off only for the serving benchmark, which
   * compares the two (through the test sources' {@code MicroBatching}).
   */
  static volatile boolean microBatching = true;

  private final Topics topics;
  private final EventProducer producer;
  private final RegistryView registry;
  private final ServedModels served;
  private final ExecutorService inference;
  private final int inferenceThreads;
  private final Duration retryAfter;
  private final MeterRegistry metrics;

  private record Outcome(List<Prediction> predictions, double latencyMillis) {}

  PredictHandler(
      Topics topics,
      EventProducer producer,
      RegistryView registry,
      ServedModels served,
      ExecutorService inference,
      int inferenceThreads,
      Duration retryAfter,
      MeterRegistry metrics) {
    this.topics = topics;
    this.producer = producer;
    this.registry = registry;
    this.served = served;
    this.inference = inference;
    this.inferenceThreads = inferenceThreads;
    this.retryAfter = retryAfter;
    this.metrics = metrics;
    metrics.counter(INFERENCE_REJECTED); // present at 0 from the start
  }

  void predict(RoutingContext ctx, Principal caller) {
    String model = Requests.pathString(ctx, "model");
    JsonObject body = Requests.bodyObject(ctx);
    boolean batch = body.containsKey("texts");
    List<String> texts = texts(body, batch);
    int blank = firstBlank(texts);
    if (blank >= 0) {
      ctx.fail(
          ApiException.badRequest(
              "the request does not match the API contract",
              List.of(
                  new ValidationError(
                      batch ? "texts[" + blank + "]" : "text", "has no visible characters"))));
      return;
    }
    Optional<ServedModel> acquired = served.acquire(model);
    if (acquired.isEmpty()) {
      ctx.fail(
          registry.knows(model)
              ? ApiException.unavailable(
                  "model '" + model + "' has no released version loaded yet", retryAfter)
              : ApiException.notFound("unknown model '" + model + "'"));
      return;
    }
    ServedModel version = acquired.get();
    Context context = ctx.vertx().getOrCreateContext();
    if (!batch && microBatching) {
      predictOne(ctx, caller, version, texts, context);
      return;
    }
    predictOnPool(ctx, caller, version, texts, batch, context);
  }

  /** The request's {@code texts}, or its one {@code text}. */
  private static List<String> texts(JsonObject body, boolean batch) {
    List<String> texts = new ArrayList<>();
    if (batch) {
      body.getJsonArray("texts").forEach(t -> texts.add((String) t));
    } else {
      texts.add(body.getString("text"));
    }
    return texts;
  }

  /** The index of the first text with no visible characters, or -1. */
  private static int firstBlank(List<String> texts) {
    for (int i = 0; i < texts.size(); i++) {
      if (!Texts.hasVisibleContent(texts.get(i))) {
        return i;
      }
    }
    return -1;
  }

  /** Classifies the texts in one pass on the inference pool, releasing the version after it. */
  private void predictOnPool(
      RoutingContext ctx,
      Principal caller,
      ServedModel version,
      List<String> texts,
      boolean batch,
      Context context) {
    try {
      inference.execute(
          () -> {
            Outcome outcome;
            try {
              long started = System.nanoTime();
              List<Prediction> predictions =
                  texts.size() == 1
                      ? List.of(version.classifier().predict(texts.get(0)))
                      : version.classifier().predictBatch(texts);
              outcome = new Outcome(predictions, (System.nanoTime() - started) / 1e6);
            } catch (RuntimeException e) {
              context.runOnContext(v -> ctx.fail(e));
              return;
            } finally {
              version.release();
            }
            context.runOnContext(
                v -> {
                  // Off the router's call stack: a failure here must still answer the request.
                  try {
                    respond(ctx, caller, version, texts, outcome, batch);
                  } catch (RuntimeException e) {
                    ctx.fail(e);
                  }
                });
          });
    } catch (RejectedExecutionException e) {
      version.release();
      metrics.counter(INFERENCE_REJECTED).increment();
      ctx.fail(ApiException.unavailable("the inference pool is full", retryAfter));
    }
  }

  private void predictOne(
      RoutingContext ctx,
      Principal caller,
      ServedModel version,
      List<String> texts,
      Context context) {
    long started = System.nanoTime();
    version
        .batcher(c -> new MicroBatcher(c, inference, MAX_MICRO_BATCH, inferenceThreads))
        .submit(texts.get(0))
        .whenComplete(
            (prediction, error) -> {
              version.release();
              if (error != null) {
                context.runOnContext(
                    v -> {
                      if (error instanceof RejectedExecutionException) {
                        metrics.counter(INFERENCE_REJECTED).increment();
                        ctx.fail(
                            ApiException.unavailable("the inference pool is full", retryAfter));
                      } else {
                        ctx.fail(error);
                      }
                    });
                return;
              }
              Outcome outcome =
                  new Outcome(List.of(prediction), (System.nanoTime() - started) / 1e6);
              context.runOnContext(
                  v -> {
                    try {
                      respond(ctx, caller, version, texts, outcome, false);
                    } catch (RuntimeException e) {
                      ctx.fail(e);
                    }
                  });
            });
  }

  /** Logs each prediction to the predictions topic and, once that is sent, answers the call. */
  private void respond(
      RoutingContext ctx,
      Principal caller,
      ServedModel version,
      List<String> texts,
      Outcome outcome,
      boolean batch) {
    String requestId = ctx.request().getHeader("X-Request-Id");
    Instant now = Instant.now();
    List<Outgoing<?, ?>> records = new ArrayList<>();
    JsonArray predictions = new JsonArray();
    double perText = outcome.latencyMillis() / texts.size();
    for (int i = 0; i < texts.size(); i++) {
      Prediction prediction = outcome.predictions().get(i);
      String predictionId = Ids.random();
      PredictionLogged logged =
          logged(predictionId, caller, version, texts.get(i), prediction, perText, requestId, now);
      records.add(new Outgoing<>(topics.predictions(), predictionId, logged));
      predictions.add(predictionJson(predictionId, prediction));
    }
    producer
        .send(ctx.vertx(), records)
        .onSuccess(v -> answer(ctx, version, texts.size(), outcome, batch, predictions))
        .onFailure(ctx::fail);
  }

  private static PredictionLogged logged(
      String predictionId,
      Principal caller,
      ServedModel version,
      String text,
      Prediction prediction,
      double latencyMillis,
      String requestId,
      Instant now) {
    Map<String, Float> scores = new HashMap<>(prediction.scores());
    return PredictionLogged.newBuilder()
        .setPredictionId(predictionId)
        .setModel(Events.ref(version.model(), version.version()))
        .setApp(caller.appId())
        .setInput(text)
        .setLabel(prediction.label())
        .setScores(scores)
        .setLatencyMillis(latencyMillis)
        .setRequestId(requestId)
        .setTimestamp(now)
        .build();
  }

  private static JsonObject predictionJson(String predictionId, Prediction prediction) {
    JsonObject scoreJson = new JsonObject();
    prediction.scores().forEach((label, score) -> scoreJson.put(label, (double) score));
    return new JsonObject()
        .put("prediction_id", predictionId)
        .put("label", prediction.label())
        .put("scores", scoreJson);
  }

  /** Counts the predictions and answers 200 with them. */
  private void answer(
      RoutingContext ctx,
      ServedModel version,
      int texts,
      Outcome outcome,
      boolean batch,
      JsonArray predictions) {
    metrics
        .counter(
            "flywheel.ingest.predictions",
            "model",
            version.model(),
            "version",
            Integer.toString(version.version()))
        .increment(texts);
    Requests.json(
        ctx,
        200,
        new JsonObject()
            .put("model", version.model())
            .put("version", version.version())
            .put("latency_ms", outcome.latencyMillis())
            .put("batch", batch)
            .put("predictions", predictions));
  }
}
