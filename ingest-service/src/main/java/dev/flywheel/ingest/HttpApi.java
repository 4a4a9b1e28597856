package dev.flywheel.ingest;

import dev.flywheel.schemas.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
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
   * The write operations validated with precompiled validators (see {@link ContractValidation}),
   * each with the schema a single-object body is, for the fast path.
   */
  private static final Map<String, String> HOT_OPERATIONS = hotOperations();

  private final IngestConfig config;
  private final Topics topics;
  private final EventProducer producer;
  private final RegistryView registry;
  private final ServedModels served;
  private final ExecutorService inference;
  private final BundleFetcher fetcher;
  private final MeterRegistry metrics;
  private final RateLimiter limiter;
  private final AtomicInteger openStreams;
  private final int port;
  private volatile HttpServer server;

  HttpApi(
      IngestConfig config,
      Topics topics,
      EventProducer producer,
      RegistryView registry,
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
                    .listen())
        .onSuccess(s -> server = s);
  }

  private static Map<String, String> hotOperations() {
    Map<String, String> operations = new LinkedHashMap<>();
    operations.put("postFeedback", "#/components/schemas/FeedbackItem");
    operations.put("postExamples", "#/components/schemas/ExampleItem");
    operations.put("predict", null);
    return operations;
  }

  /** The port the server listens on; -1 before it does. */
  int port() {
    HttpServer current = server;
    return current == null ? -1 : current.actualPort();
  }

  private Router router(OpenAPIContract contract) {
    Gatekeeper gate = new Gatekeeper(contract, config.apiKeys(), limiter, metrics);
    ErrorHandler errors = new ErrorHandler(config.maxBodyBytes());
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
            topics, producer, registry, served, inference, config.retryAfter(), metrics);
    AdminHandler admin = new AdminHandler(topics, producer, registry);
    RegistryHandler reads = new RegistryHandler(registry, fetcher);
    ReleaseStream stream = new ReleaseStream(registry, openStreams);

    RouterBuilder builder =
        RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler())
            .rootHandler(gate.timing())
            .rootHandler(gate.keyCheck())
            .rootHandler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
            .rootHandler(gate::checkJsonBody);
    ContractValidation hot = new ContractValidation(contract, HOT_OPERATIONS);
    for (OpenAPIRoute route : builder.getRoutes()) {
      route.setDoSecurity(false);
    }
    for (String operationId : hot.operationIds()) {
      builder.getRoute(operationId).setDoValidation(false).addHandler(hot.handler(operationId));
    }
    builder.getRoute("postFeedback").addHandler(feedback::postFeedback);
    builder.getRoute("postExamples").addHandler(feedback::postExamples);
    builder.getRoute("predict").addHandler(predict::predict);
    builder.getRoute("putModelSpec").addHandler(admin::putSpec);
    builder.getRoute("retrain").addHandler(admin::retrain);
    builder.getRoute("promote").addHandler(admin::promote);
    builder.getRoute("rollback").addHandler(admin::rollback);
    builder.getRoute("listModels").addHandler(reads::listModels);
    builder.getRoute("getModel").addHandler(reads::getModel);
    builder.getRoute("getVersion").addHandler(reads::getVersion);
    builder.getRoute("getBundle").addHandler(reads::getBundle);
    builder.getRoute("listReleases").addHandler(reads::listReleases);
    builder.getRoute("streamReleases").addHandler(stream::stream);
    Router router = builder.createRouter();
    router.route().failureHandler(errors::handle);
    for (int status : new int[] {404, 405, 413, 500}) {
      router.errorHandler(status, errors::handle);
    }
    return router;
  }
}
