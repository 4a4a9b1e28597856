package dev.flywheel.common.service;

import dev.flywheel.common.kafka.KafkaClients;
import dev.flywheel.common.lifecycle.Service;
import dev.flywheel.common.management.CheckResult;
import dev.flywheel.common.management.HealthChecks;
import dev.flywheel.common.management.ManagementServer;
import dev.flywheel.schemas.EnsureReport;
import dev.flywheel.schemas.RegistryConfig;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.TopicEnsurer;
import dev.flywheel.schemas.Topics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one skeleton of a Flywheel service. A service says what it is — its name and configuration
 * (see {@link ServiceDefinition}), a check of its topics if it needs one, and its components in
 * start order ({@link #assemble}) — and the skeleton does the rest, the same way for every service:
 *
 * <ol>
 *   <li>opens the schema registry client;
 *   <li>starts the management server ({@code /health/live}, {@code /health/ready}, {@code
 *       /metrics}), so probes get an answer during the whole start; readiness stays down (check
 *       {@code started}) until every component is up;
 *   <li>ensures the catalogue's topics once ({@link TopicEnsurer}) and hands the report to {@link
 *       #checkTopics};
 *   <li>starts the service's components in order through {@link Parts}, the one close stack.
 * </ol>
 *
 * A failure anywhere closes what was opened, in reverse order, and is thrown as it was; {@link
 * #close()} does the same on a stop. A component's fatal error at runtime goes to whoever runs the
 * service ({@link Service#onFatal}), which closes everything and exits non-zero. {@code main}, exit
 * codes and configuration errors belong to {@link ServiceDefinition}.
 *
 * @param <C> the service's configuration record
 */
public abstract class ServiceSkeleton<C extends ServiceConfig> implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceSkeleton.class);

  private final String name;
  private final C config;
  private final HealthChecks health = new HealthChecks();
  private final Parts parts;
  private volatile Consumer<Throwable> onFatal = error -> {};
  private volatile boolean started;
  private volatile ManagementServer management;

  /**
   * @param name the service's name in logs, exit lines and dead-letter headers
   * @param metrics the process's meter registry (served on {@code /metrics})
   */
  protected ServiceSkeleton(String name, C config, PrometheusMeterRegistry metrics) {
    this.name = Objects.requireNonNull(name, "name");
    this.config = Objects.requireNonNull(config, "config");
    this.parts =
        new Parts(name, Objects.requireNonNull(metrics, "metrics"), health, e -> onFatal.accept(e));
  }

  /**
   * Starts the service's own components in order through {@link Parts#start} and stacks every other
   * resource with {@link Parts#add}; the topics exist and the management server listens.
   */
  protected abstract void assemble(Parts parts) throws Exception;

  /**
   * Checks the topics as the skeleton found or created them; throws to refuse to start. By default
   * it accepts them (the ensurer has logged every difference from the catalogue).
   */
  protected void checkTopics(Topics topics, EnsureReport report) {}

  /** The service's configuration. */
  protected final C config() {
    return config;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final void onFatal(Consumer<Throwable> handler) {
    this.onFatal = Objects.requireNonNull(handler, "handler");
  }

  @Override
  public final synchronized void start() throws Exception {
    LOG.info("{}: starting with {}", name, config);
    try {
      SchemaRegistryClient registry =
          parts.add(
              "schema-registry-client",
              new SchemaRegistryClient(RegistryConfig.of(config.registryUrl())));
      health.readiness(
          "started",
          () -> started ? CheckResult.up(name + " started") : CheckResult.down("starting"));
      management =
          parts.start(
              ManagementServer.builder()
                  .host(config.managementHost())
                  .port(config.managementPort())
                  .registry(parts.metrics())
                  .health(health)
                  .build());
      Topics topics = Topics.create(config.topicPrefix(), registry);
      KafkaClients clients = config.kafkaClients();
      checkTopics(topics, ensureTopics(clients, topics));
      parts.wire(topics, clients);
      assemble(parts);
    } catch (Exception | Error e) {
      management = null;
      try {
        parts.closeAll();
      } catch (RuntimeException closeError) {
        e.addSuppressed(closeError);
      }
      throw e;
    }
    started = true;
    LOG.info("{}: ready, management on port {}", name, management.port());
  }

  /** The port of {@code /health} and {@code /metrics} (after {@link #start()}). */
  public final int managementPort() {
    ManagementServer current = management;
    if (current == null) {
      throw new IllegalStateException(name + " is not started");
    }
    return current.port();
  }

  /**
   * Closes every component and resource in reverse order of start; idempotent.
   *
   * @throws IllegalStateException when one failed to close (after all were tried)
   */
  @Override
  public final synchronized void close() {
    started = false;
    management = null;
    parts.closeAll();
  }

  /** Creates the missing topics of the catalogue and checks the others, once, at start. */
  private EnsureReport ensureTopics(KafkaClients clients, Topics topics) {
    Duration timeout = config.topicsTimeout();
    Map<String, Object> props = clients.adminConfig("topics");
    int timeoutMs = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
    Admin admin = Admin.create(props);
    try {
      return TopicEnsurer.ensure(admin, topics.all(), (short) clients.replicationFactor(), timeout);
    } finally {
      // A pending call to an unreachable cluster would hold close() for the full API timeout.
      admin.close(Duration.ofSeconds(1));
    }
  }
}
