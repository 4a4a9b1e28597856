package dev.flywheel.ingest;

import dev.flywheel.common.service.Parts;
import dev.flywheel.common.service.ServiceDefinition;
import dev.flywheel.common.service.ServiceSkeleton;
import dev.flywheel.slm.store.BundleFetcher;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;

/**
 * The ingest gateway: the app-facing HTTP API (feedback and examples in, predictions out, the
 * release stream, model sharing) on the service skeleton. Its parts, in start order: the gateway
 * producer, the served models and the registry view that loads them, the activity view, the
 * inference pool, then the API ({@link GatewayParts} opens each). {@link #start()} returns when the
 * registry view has caught up and the API listens; {@link #close()} stops everything in reverse.
 *
 * <pre>{@code
 * try (IngestService ingest = new IngestService(IngestConfig.fromEnvironment())) {
 *   ingest.start();
 *   int port = ingest.httpPort();
 * }
 * }</pre>
 */
public final class IngestService extends ServiceSkeleton<IngestConfig> {
  /** The service's name in logs and exit lines. */
  public static final String NAME = "ingest";

  /** What the gateway is, for {@code main} and the all-in-one platform. */
  public static final ServiceDefinition<IngestConfig, IngestService> DEFINITION =
      new ServiceDefinition<>(NAME, IngestConfig.SPEC, IngestConfig::from, IngestService::new);

  private volatile HttpApi api;

  /** A gateway that reports to {@code metrics} (tests, the all-in-one process). */
  public IngestService(IngestConfig config, PrometheusMeterRegistry metrics) {
    super(NAME, config, metrics);
  }

  /** Runs the gateway until the JVM is asked to stop. */
  public static void main(String[] args) {
    DEFINITION.main();
  }

  @Override
  protected void assemble(Parts parts) throws Exception {
    GatewayParts gateway = new GatewayParts(config(), parts);
    Admin admin = parts.add("admin", parts.kafkaClients().admin("gateway"));
    EventProducer producer = gateway.producer();
    ServedModels served = new ServedModels();
    BundleFetcher fetcher = new BundleFetcher(config().artifactsUri());
    ModelSwapper swapper = gateway.swapper(served, fetcher);
    RegistryView registry = new RegistryView();
    registry.addReleaseListener(swapper::onRelease);
    TopicsFollower registryFollower = gateway.registryFollower(registry);
    ActivityView activity = new ActivityView();
    TopicsFollower activityFollower = gateway.activityFollower(activity);
    HttpApi httpApi =
        gateway.httpApi(
            new GatewayParts.Api(
                producer, registry, activity, served, fetcher, gateway.inference()));
    api = httpApi;
    gateway.healthChecks(admin, httpApi, swapper, registryFollower, activityFollower);
  }

  /** The API port (after {@link #start()}). */
  public int httpPort() {
    HttpApi current = api;
    if (current == null) {
      throw new IllegalStateException("the ingest gateway is not started");
    }
    return current.port();
  }

  /** One of the API's server instances (tests). */
  HttpApi api() {
    return api;
  }
}
