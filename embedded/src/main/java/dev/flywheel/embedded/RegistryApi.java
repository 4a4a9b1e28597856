package dev.flywheel.embedded;

import dev.flywheel.embedded.RegistryState.Version;
import dev.flywheel.embedded.SchemaStore.WritePlan;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.avro.Schema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP routes of the embedded registry: the subset of Confluent Schema Registry's REST API that
 * producers, consumers and operators use, with Confluent's response and error shapes. Each handler
 * parses and validates on the event loop, then hands the work to the {@link SchemaStore} thread and
 * answers when it completes.
 */
final class RegistryApi {
  static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final Logger LOG = LoggerFactory.getLogger(RegistryApi.class);
  private static final long BODY_LIMIT_BYTES = 4L * 1024 * 1024;

  private final SchemaStore store;
  private final String topic;

  private RegistryApi(SchemaStore store, String topic) {
    this.store = store;
    this.topic = topic;
  }

  static Router router(Vertx vertx, SchemaStore store, String topic) {
    RegistryApi api = new RegistryApi(store, topic);
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT_BYTES));
    router.get("/").handler(api.guarded(api::root));
    router.get("/subjects").handler(api.guarded(api::listSubjects));
    router.get("/subjects/:subject/versions").handler(api.guarded(api::listVersions));
    router.get("/subjects/:subject/versions/:version").handler(api.guarded(api::getVersion));
    router
        .get("/subjects/:subject/versions/:version/schema")
        .handler(api.guarded(api::getVersionSchema));
    router.post("/subjects/:subject/versions").handler(api.guarded(api::register));
    router.post("/subjects/:subject").handler(api.guarded(api::lookup));
    router.delete("/subjects/:subject").handler(api.guarded(api::deleteSubject));
    router.get("/schemas/types").handler(api.guarded(api::schemaTypes));
    router.get("/schemas/ids/:id").handler(api.guarded(api::getById));
    router
        .post("/compatibility/subjects/:subject/versions/:version")
        .handler(api.guarded(api::checkAgainstVersion));
    router
        .post("/compatibility/subjects/:subject/versions")
        .handler(api.guarded(api::checkAgainstAll));
    router.get("/config").handler(api.guarded(api::getGlobalConfig));
    router.put("/config").handler(api.guarded(api::putGlobalConfig));
    router.get("/config/:subject").handler(api.guarded(api::getSubjectConfig));
    router.put("/config/:subject").handler(api.guarded(api::putSubjectConfig));
    router.delete("/config/:subject").handler(api.guarded(api::deleteSubjectConfig));
    for (int status : new int[] {400, 404, 405, 413, 415}) {
      router.errorHandler(
          status,
          ctx -> sendError(ctx, status, status, httpReason(status, ctx.request().method())));
    }
    router.errorHandler(
        500,
        ctx -> {
          LOG.error("Unexpected error in registry route {}", ctx.normalizedPath(), ctx.failure());
          sendError(ctx, 500, 50001, "Error in the backend datastore");
        });
    return router;
  }

  private void root(RoutingContext ctx) {
    send(ctx, new JsonObject());
  }

  private void listSubjects(RoutingContext ctx) {
    respond(ctx, store.read(state -> new JsonArray(state.liveSubjects())));
  }

  private void listVersions(RoutingContext ctx) {
    String subject = ctx.pathParam("subject");
    respond(
        ctx,
        store.read(
            state -> {
              JsonArray versions = new JsonArray();
              state.requireLiveVersions(subject).forEach(v -> versions.add(v.version()));
              return versions;
            }));
  }

  private void getVersion(RoutingContext ctx) {
    String subject = ctx.pathParam("subject");
    Optional<Integer> version = parseVersion(ctx.pathParam("version"));
    respond(ctx, store.read(state -> describe(state, state.requireVersion(subject, version))));
  }

  private void getVersionSchema(RoutingContext ctx) {
    String subject = ctx.pathParam("subject");
    Optional<Integer> version = parseVersion(ctx.pathParam("version"));
    respond(
        ctx,
        store.read(
            state -> new RawJson(state.schema(state.requireVersion(subject, version).id()).get())));
  }

  private void register(RoutingContext ctx) {
    String subject = ctx.pathParam("subject");
    Schema schema = schemaFrom(jsonBody(ctx));
    respond(ctx, store.write(state -> planRegistration(state, subject, schema)));
  }

  private WritePlan<JsonObject> planRegistration(
      RegistryState state, String subject, Schema schema) {
    String canonical = schema.toString();
    List<Version> live = state.liveVersions(subject);
    for (Version version : live) {
      if (canonical.equals(state.schema(version.id()).orElse(null))) {
        return WritePlan.answerOnly(new JsonObject().put("id", version.id()));
      }
    }
    List<Schema> existing = new ArrayList<>();
    live.forEach(v -> existing.add(state.parsed(v.id())));
    List<String> problems = state.effectiveLevel(subject).check(schema, existing);
    if (!problems.isEmpty()) {
      throw RegistryException.incompatible(subject, problems.toString());
    }
    int id = state.idOf(canonical).orElseGet(state::nextId);
    Version version = new Version(subject, state.nextVersion(subject), id, false);
    return new WritePlan<>(
        List.of(RegistryState.schemaRecord(topic, version, canonical)),
        new JsonObject().put("id", id));
  }

  private void lookup(RoutingContext ctx) {
    String subject = ctx.pathParam("subject");
    String canonical = schemaFrom(jsonBody(ctx)).toString();
    respond(
        ctx,
        store.read(
            state -> {
              for (Version version : state.requireLiveVersions(subject)) {
                if (canonical.equals(state.schema(version.id()).orElse(null))) {
                  return describe(state, version);
                }
              }
              throw RegistryException.schemaNotFound();
            }));
  }

  private void deleteSubject(RoutingContext ctx) {
    String subject = ctx.pathParam("subject");
    if (Boolean.parseBoolean(ctx.queryParams().get("permanent"))) {
      throw RegistryException.unprocessable(
          "Permanent deletion is not supported by the embedded registry (ids are never reused)");
    }
    respond(
        ctx,
        store.write(
            state -> {
              if (state.allVersions(subject).isEmpty()) {
                throw RegistryException.subjectNotFound(subject);
              }
              List<Version> live = state.liveVersions(subject);
              if (live.isEmpty()) {
                throw RegistryException.subjectSoftDeleted(subject);
              }
              List<ProducerRecord<String, String>> records = new ArrayList<>();
              JsonArray deleted = new JsonArray();
              for (Version version : live) {
                Version tombstoned = new Version(subject, version.version(), version.id(), true);
                records.add(
                    RegistryState.schemaRecord(
                        topic, tombstoned, state.schema(version.id()).get()));
                deleted.add(version.version());
              }
              return new WritePlan<>(records, deleted);
            }));
  }

  private void schemaTypes(RoutingContext ctx) {
    send(ctx, new JsonArray().add("AVRO"));
  }

  private void getById(RoutingContext ctx) {
    String idText = ctx.pathParam("id");
    int id;
    try {
      id = Integer.parseInt(idText);
    } catch (NumberFormatException e) {
      throw RegistryException.schemaIdNotFound(idText);
    }
    respond(
        ctx,
        store.read(
            state ->
                new JsonObject()
                    .put(
                        "schema",
                        state
                            .schema(id)
                            .orElseThrow(() -> RegistryException.schemaIdNotFound(idText)))));
  }

  private void checkAgainstVersion(RoutingContext ctx) {
    String subject = ctx.pathParam("subject");
    Optional<Integer> version = parseVersion(ctx.pathParam("version"));
    Schema schema = schemaFrom(jsonBody(ctx));
    boolean verbose = Boolean.parseBoolean(ctx.queryParams().get("verbose"));
    respond(
        ctx,
        store.read(
            state -> {
              Version target = state.requireVersion(subject, version);
              List<String> problems =
                  state.effectiveLevel(subject).check(schema, List.of(state.parsed(target.id())));
              return compatibilityAnswer(problems, verbose);
            }));
  }

  private void checkAgainstAll(RoutingContext ctx) {
    String subject = ctx.pathParam("subject");
    Schema schema = schemaFrom(jsonBody(ctx));
    boolean verbose = Boolean.parseBoolean(ctx.queryParams().get("verbose"));
    respond(
        ctx,
        store.read(
            state -> {
              List<Schema> existing = new ArrayList<>();
              state.liveVersions(subject).forEach(v -> existing.add(state.parsed(v.id())));
              List<String> problems = state.effectiveLevel(subject).check(schema, existing);
              return compatibilityAnswer(problems, verbose);
            }));
  }

  private void getGlobalConfig(RoutingContext ctx) {
    respond(ctx, store.read(state -> levelAnswer(state.globalLevel())));
  }

  private void putGlobalConfig(RoutingContext ctx) {
    CompatibilityLevel level = levelFrom(jsonBody(ctx));
    respond(
        ctx,
        store.write(
            state ->
                new WritePlan<>(
                    List.of(RegistryState.configRecord(topic, null, level)),
                    new JsonObject().put("compatibility", level.name()))));
  }

  private void getSubjectConfig(RoutingContext ctx) {
    String subject = ctx.pathParam("subject");
    boolean defaultToGlobal = Boolean.parseBoolean(ctx.queryParams().get("defaultToGlobal"));
    respond(
        ctx,
        store.read(
            state -> {
              Optional<CompatibilityLevel> level = state.subjectLevel(subject);
              if (level.isPresent()) {
                return levelAnswer(level.get());
              }
              if (defaultToGlobal) {
                return levelAnswer(state.globalLevel());
              }
              throw RegistryException.subjectLevelNotConfigured(subject);
            }));
  }

  private void putSubjectConfig(RoutingContext ctx) {
    String subject = ctx.pathParam("subject");
    CompatibilityLevel level = levelFrom(jsonBody(ctx));
    respond(
        ctx,
        store.write(
            state ->
                new WritePlan<>(
                    List.of(RegistryState.configRecord(topic, subject, level)),
                    new JsonObject().put("compatibility", level.name()))));
  }

  private void deleteSubjectConfig(RoutingContext ctx) {
    String subject = ctx.pathParam("subject");
    respond(
        ctx,
        store.write(
            state -> {
              CompatibilityLevel previous =
                  state
                      .subjectLevel(subject)
                      .orElseThrow(() -> RegistryException.subjectLevelNotConfigured(subject));
              return new WritePlan<>(
                  List.of(RegistryState.configRecord(topic, subject, null)), levelAnswer(previous));
            }));
  }

  private static JsonObject describe(RegistryState state, Version version) {
    return new JsonObject()
        .put("subject", version.subject())
        .put("version", version.version())
        .put("id", version.id())
        .put("schema", state.schema(version.id()).get());
  }

  private static JsonObject compatibilityAnswer(List<String> problems, boolean verbose) {
    JsonObject answer = new JsonObject().put("is_compatible", problems.isEmpty());
    if (verbose) {
      answer.put("messages", new JsonArray(new ArrayList<>(problems)));
    }
    return answer;
  }

  private static JsonObject levelAnswer(CompatibilityLevel level) {
    return new JsonObject().put("compatibilityLevel", level.name());
  }

  /** "latest" and -1 mean the latest version (empty); otherwise a number from 1 to 2^31-1. */
  static Optional<Integer> parseVersion(String text) {
    if ("latest".equals(text) || "-1".equals(text)) {
      return Optional.empty();
    }
    try {
      int version = Integer.parseInt(text);
      if (version >= 1) {
        return Optional.of(version);
      }
    } catch (NumberFormatException e) {
      throw RegistryException.invalidVersion(text);
    }
    throw RegistryException.invalidVersion(text);
  }

  private static JsonObject jsonBody(RoutingContext ctx) {
    String text = ctx.body().asString();
    if (text == null || text.isBlank()) {
      throw RegistryException.malformedJson("the request has no body");
    }
    Object value;
    try {
      value = Json.decodeValue(text);
    } catch (DecodeException e) {
      throw RegistryException.malformedJson(e.getMessage());
    }
    if (!(value instanceof JsonObject object)) {
      throw RegistryException.unprocessable("The request body must be a JSON object");
    }
    return object;
  }

  private static Schema schemaFrom(JsonObject body) {
    String type = body.getValue("schemaType") instanceof String s ? s : "AVRO";
    if (!"AVRO".equals(type)) {
      throw RegistryException.invalidSchema("schema type " + type + " is not supported");
    }
    Object references = body.getValue("references");
    if (references instanceof JsonArray array && !array.isEmpty()) {
      throw RegistryException.invalidSchema("schema references are not supported");
    }
    if (!(body.getValue("schema") instanceof String text)) {
      throw RegistryException.invalidSchema("the request has no \"schema\" string");
    }
    return RegistryState.parse(text);
  }

  private static CompatibilityLevel levelFrom(JsonObject body) {
    Object value = body.getValue("compatibility");
    return CompatibilityLevel.parse(value instanceof String s ? s : null)
        .orElseThrow(RegistryException::invalidCompatibilityLevel);
  }

  /** Turns a validation failure thrown by a handler into the documented error response. */
  private Handler<RoutingContext> guarded(Handler<RoutingContext> handler) {
    return ctx -> {
      try {
        handler.handle(ctx);
      } catch (RegistryException e) {
        sendError(ctx, e.status(), e.errorCode(), e.getMessage());
      }
    };
  }

  private static void respond(RoutingContext ctx, CompletableFuture<?> work) {
    Future.fromCompletionStage(work, ctx.vertx().getOrCreateContext())
        .onSuccess(result -> send(ctx, result))
        .onFailure(
            failure -> {
              Throwable cause =
                  failure instanceof CompletionException && failure.getCause() != null
                      ? failure.getCause()
                      : failure;
              if (cause instanceof RegistryException e) {
                sendError(ctx, e.status(), e.errorCode(), e.getMessage());
              } else {
                ctx.fail(500, cause);
              }
            });
  }

  private static void send(RoutingContext ctx, Object body) {
    String text = body instanceof RawJson raw ? raw.json() : Json.encode(body);
    ctx.response().setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE).end(text);
  }

  private static void sendError(RoutingContext ctx, int status, int errorCode, String message) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE)
        .end(new JsonObject().put("error_code", errorCode).put("message", message).encode());
  }

  private static String httpReason(int status, HttpMethod method) {
    return switch (status) {
      case 400 -> "HTTP 400 Bad Request";
      case 404 -> "HTTP 404 Not Found";
      case 405 -> "HTTP 405 Method " + method + " Not Allowed";
      case 413 -> "HTTP 413 Request Entity Too Large";
      case 415 -> "HTTP 415 Unsupported Media Type";
      default -> "HTTP " + status;
    };
  }

  /** A body that is already JSON text, such as a stored schema, sent as it is. */
  private record RawJson(String json) {}
}
