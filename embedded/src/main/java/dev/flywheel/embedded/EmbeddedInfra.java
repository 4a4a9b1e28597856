package dev.flywheel.embedded;

import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started Kafka broker and schema registry shared by every test in one JVM: started on first use,
 * stopped (and its temporary data deleted) when the test run ends. Tests isolate themselves with
 * their own topic prefix and group ids rather than their own broker.
 *
 * <p>Get it through {@link EmbeddedInfraExtension} as a constructor or method parameter, or call
 * {@link #shared()} directly.
 */
public final class EmbeddedInfra {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedInfra.class);
  private static EmbeddedInfra shared;

  private final EmbeddedKafka kafka;
  private final EmbeddedSchemaRegistry registry;
  private boolean closed;

  private EmbeddedInfra(EmbeddedKafka kafka, EmbeddedSchemaRegistry registry) {
    this.kafka = kafka;
    this.registry = registry;
  }

  /**
   * The shared broker and registry, started now if this is the first call in this JVM. A shutdown
   * hook stops them if nothing stopped them earlier.
   */
  public static synchronized EmbeddedInfra shared() {
    if (shared == null) {
      shared = startNew();
      EmbeddedInfra started = shared;
      Runtime.getRuntime()
          .addShutdownHook(new Thread(started::close, "flywheel-embedded-infra-shutdown"));
    }
    return shared;
  }

  private static EmbeddedInfra startNew() {
    long startedAt = System.nanoTime();
    // Without a data directory the broker uses a temporary one and deletes it when closed.
    EmbeddedKafka kafka = EmbeddedKafka.builder().build();
    EmbeddedSchemaRegistry registry = null;
    try {
      kafka.start();
      registry = EmbeddedSchemaRegistry.builder(kafka.bootstrapServers()).build().start();
    } catch (RuntimeException e) {
      kafka.close();
      throw e;
    }
    LOG.info(
        "Shared test infrastructure up in {} ms: Kafka {}, registry {}",
        (System.nanoTime() - startedAt) / 1_000_000,
        kafka.bootstrapServers(),
        registry.url());
    return new EmbeddedInfra(kafka, registry);
  }

  /** The broker's {@code host:port}, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  /** The registry's base URL, such as {@code http://127.0.0.1:41234}. */
  public String registryUrl() {
    return registry.url();
  }

  /** A topic prefix no other call returns, such as {@code t3f9a1c2e-}; one per test. */
  public String newTopicPrefix() {
    return "t" + randomHex() + "-";
  }

  /** A consumer group id no other call returns. */
  public String newGroupId() {
    return "g" + randomHex();
  }

  /** Stops the registry and the broker and deletes the broker's data. */
  synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    registry.close();
    kafka.close();
    synchronized (EmbeddedInfra.class) {
      if (shared == this) {
        shared = null;
      }
    }
  }

  private static String randomHex() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }
}
