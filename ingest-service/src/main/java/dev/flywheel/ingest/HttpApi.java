package dev.flywheel.ingest;

import dev.flywheel.common.error.ErrorResponse;
import dev.flywheel.common.error.HttpErrors;
import dev.flywheel.schemas.Topics;
import dev.flywheel.slm.store.BundleFetcher;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The app-facing HTTP server, contract first: the router is generated from {@code openapi.yaml},
 * which validates every request before its handler runs; one error handler answers every failure
 * with the one error shape. {@link #start()} completes when the server listens. Several instances
 * (one per event loop) share the port; the rate limiter and the stream count are shared too.
 */
final class HttpApi extends VerticleBase {
  /** Where the contract lives on the classpath. */
  static final String CONTRACT = "openapi.yaml";

  /**
   * The operations with a body, validated with precompiled validators after their authorization
   * (see {@link ContractValidation}), each with the schema a single-object body is, for the fast
   * path (or null).
   */
  private static final Map<String, String> BODY_OPERATIONS = bodyOperations();

  private final IngestConfig config;
  private final Topics topics;
  private final EventProducer producer;
  private final RegistryView registry;
  private final Console console;
  private final ServedModels served;
  private final ExecutorService inference;
  private final BundleFetcher fetcher;
  private final MeterRegistry metrics;
  private final RateLimiter limiter;
  private final AtomicInteger openStreams;
  private final int port;
  private volatile HttpServer server;
  private volatile Router router;

  HttpApi(
      IngestConfig config,
      Topics topics,
      EventProducer producer,
      RegistryView registry,
      Console console,
      ServedModels served,
      ExecutorService inference,
      BundleFetcher fetcher,
      MeterRegistry metrics,
      RateLimiter limiter,
      AtomicInteger openStreams,
      int port) {
    this.config = config;
    this.topics = topics;
    this.producer = producer;
    this.registry = registry;
    this.console = console;
    this.served = served;
    this.inference = inference;
    this.fetcher = fetcher;
    this.metrics = metrics;
    this.limiter = limiter;
    this.openStreams = openStreams;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    return OpenAPIContract.from(vertx, CONTRACT)
        .compose(
            contract ->
                vertx
                    .createHttpServer(
                        new HttpServerOptions()
                            .setHost(config.httpHost())
                            .setPort(port)
                            .setCompressionSupported(false))
                    .requestHandler(router(contract))
                    .invalidRequestHandler(HttpApi::invalidRequest)
                    .listen())
        .onSuccess(s -> server = s);
  }

  private static Map<String, String> bodyOperations() {
    Map<String, String> operations = new LinkedHashMap<>();
    operations.put("postFeedback", "#/components/schemas/FeedbackItem");
    operations.put("postExamples", "#/components/schemas/ExampleItem");
    operations.put("predict", null);
    operations.put("putModelSpec", null);
    operations.put("retrain", null);
    operations.put("promote", null);
    operations.put("rollback", null);
    return operations;
  }

  /**
   * A request the HTTP decoder refused (a malformed request line, a header with control characters,
   * a line or headers too long): answered in the one error shape, like every other error, and the
   * connection closed, since the rest of the stream cannot be trusted.
   */
  static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    ErrorResponse error;
    if (cause instanceof TooLongHttpLineException) {
      error = ErrorResponse.of(414, "the request line is too long");
    } else if (cause instanceof TooLongHttpHeaderException) {
      error = ErrorResponse.of(431, "the request headers are too large");
    } else {
      error = ErrorResponse.of(400, "the request is not valid HTTP/1.1");
    }
    request.response().putHeader("Connection", "close");
    HttpErrors.send(request.response(), error);
  }

  /** The router this instance serves (tests walk its routes). */
  Router router() {
    return router;
  }

  /** The port the server listens on; -1 before it does. */
  int port() {
    HttpServer current = server;
    return current == null ? -1 : current.actualPort();
  }

  /** The web console's parts: its public files and the live view of the loop it shows. */
  record Console(ConsoleAssets assets, ActivityView activity) {}

  private Router router(OpenAPIContract contract) {
    Gatekeeper gate =
        new Gatekeeper(contract, config.apiKeys(), limiter, metrics, console.assets());
    ErrorHandler errors = new ErrorHandler(config.maxBodyBytes());
    Map<String, Gatekeeper.AuthorizedHandler> handlers = handlers(contract);
    RouterBuilder builder =
        RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler())
            .rootHandler(gate.timing())
            .rootHandler(gate.targetCheck())
            .rootHandler(gate.keyCheck())
            .rootHandler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
            .rootHandler(gate::checkJsonBody);
    ContractValidation validation = new ContractValidation(contract, BODY_OPERATIONS);
    for (OpenAPIRoute route : builder.getRoutes()) {
      addOperationHandler(route, handlers, validation, gate);
    }
    Router router = builder.createRouter();
    this.router = router;
    // The console's files: exact paths, GET and HEAD, public by the Gatekeeper's allow-list.
    for (String path : console.assets().paths()) {
      router.get(path).handler(console.assets()::serve);
      router.head(path).handler(console.assets()::serve);
    }
    router.route().failureHandler(errors::handle);
    for (int status : new int[] {404, 405, 413, 500}) {
      router.errorHandler(status, errors::handle);
    }
    return router;
  }

  /** The route table: the handler of each operation id in the contract. */
  private Map<String, Gatekeeper.AuthorizedHandler> handlers(OpenAPIContract contract) {
    FeedbackHandler feedback =
        new FeedbackHandler(
            topics,
            producer,
            registry,
            ItemValidator.of(contract.getSchemaRepository(), "#/components/schemas/FeedbackItem"),
            ItemValidator.of(contract.getSchemaRepository(), "#/components/schemas/ExampleItem"),
            config.maxBatchItems(),
            metrics);
    PredictHandler predict =
        new PredictHandler(
            topics,
            producer,
            registry,
            served,
            inference,
            config.inferenceThreads(),
            config.retryAfter(),
            metrics);
    AdminHandler admin = new AdminHandler(topics, producer, registry);
    RegistryHandler reads = new RegistryHandler(registry, fetcher);
    ReleaseStream stream = new ReleaseStream(registry, openStreams);
    ActivityHandler activity =
        new ActivityHandler(registry, console.activity(), System::currentTimeMillis);
    Map<String, Gatekeeper.AuthorizedHandler> handlers = new LinkedHashMap<>();
    handlers.put("postFeedback", feedback::postFeedback);
    handlers.put("postExamples", feedback::postExamples);
    handlers.put("predict", predict::predict);
    handlers.put("putModelSpec", admin::putSpec);
    handlers.put("retrain", admin::retrain);
    handlers.put("promote", admin::promote);
    handlers.put("rollback", admin::rollback);
    handlers.put("listModels", (ctx, caller) -> reads.listModels(ctx));
    handlers.put("getModel", (ctx, caller) -> reads.getModel(ctx));
    handlers.put("getVersion", (ctx, caller) -> reads.getVersion(ctx));
    handlers.put("getBundle", (ctx, caller) -> reads.getBundle(ctx));
    handlers.put("listReleases", (ctx, caller) -> reads.listReleases(ctx));
    handlers.put("listBaseModels", (ctx, caller) -> reads.listBaseModels(ctx));
    handlers.put("streamReleases", (ctx, caller) -> stream.stream(ctx));
    handlers.put("getModelActivity", (ctx, caller) -> activity.getActivity(ctx));
    handlers.put("whoami", ActivityHandler::whoami);
    return handlers;
  }

  /**
   * Puts the operation's handler on its route behind the authorization and, for a body operation,
   * the compiled validation that runs after it.
   */
  private static void addOperationHandler(
      OpenAPIRoute route,
      Map<String, Gatekeeper.AuthorizedHandler> handlers,
      ContractValidation validation,
      Gatekeeper gate) {
    String operationId = route.getOperation().getOperationId();
    Gatekeeper.AuthorizedHandler handler = handlers.get(operationId);
    if (handler == null) {
      throw new IllegalStateException(
          "the contract's operation " + operationId + " has no handler");
    }
    route.setDoSecurity(false);
    if (validation.operationIds().contains(operationId)) {
      // Validated after the authorization, by the compiled validators.
      route.setDoValidation(false);
      Gatekeeper.AuthorizedHandler validated = handler;
      handler =
          (ctx, caller) -> {
            if (validation.validate(ctx, operationId)) {
              validated.handle(ctx, caller);
            }
          };
    }
    route.addHandler(gate.authorized(operationId, handler));
  }
}
