package dev.flywheel.common.service;

import dev.flywheel.common.kafka.KafkaClients;
import dev.flywheel.common.lifecycle.CloseStack;
import dev.flywheel.common.lifecycle.Service;
import dev.flywheel.common.management.HealthChecks;
import dev.flywheel.schemas.Topics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one close stack of a service, and what its components are built from. A service's {@link
 * ServiceSkeleton#assemble} starts its components through {@link #start} in order and hands every
 * other resource it opens to {@link #add}; the skeleton closes all of them in reverse order, on a
 * failed start as on a stop.
 */
public final class Parts {
  private static final Logger LOG = LoggerFactory.getLogger(Parts.class);

  private final String service;
  private final CloseStack stack;
  private final PrometheusMeterRegistry metrics;
  private final HealthChecks health;
  private final Consumer<Throwable> fatal;
  private Topics topics;
  private KafkaClients clients;

  Parts(
      String service,
      PrometheusMeterRegistry metrics,
      HealthChecks health,
      Consumer<Throwable> fatal) {
    this.service = service;
    this.stack = new CloseStack(service);
    this.metrics = metrics;
    this.health = health;
    this.fatal = fatal;
  }

  void wire(Topics catalogue, KafkaClients kafkaClients) {
    this.topics = catalogue;
    this.clients = kafkaClients;
  }

  /** The topic catalogue of this installation (ensured before the components start). */
  public Topics topics() {
    return topics;
  }

  /** The service's Kafka client factory. */
  public KafkaClients kafkaClients() {
    return clients;
  }

  /** The process's meter registry, served on {@code /metrics}. */
  public PrometheusMeterRegistry metrics() {
    return metrics;
  }

  /** The checks served on {@code /health/live} and {@code /health/ready}. */
  public HealthChecks health() {
    return health;
  }

  /** Reports a fatal runtime failure: the process closes everything and exits non-zero. */
  public void fail(Throwable error) {
    fatal.accept(error);
  }

  /**
   * Starts {@code component} (it returns when ready) and stacks it for closing. A component whose
   * start fails is closed too: it may hold what it opened before failing.
   */
  public <S extends Service> S start(S component) throws Exception {
    component.onFatal(this::fail);
    stack.push(component.name(), component);
    LOG.info("{}: starting {}", service, component.name());
    component.start();
    return component;
  }

  /** Stacks a resource that is open already (a client, an executor), to be closed in reverse. */
  public <T extends AutoCloseable> T add(String name, T resource) {
    return stack.push(name, resource);
  }

  /** Closes everything stacked, last first (see {@link CloseStack#close()}). */
  void closeAll() {
    stack.close();
  }
}
