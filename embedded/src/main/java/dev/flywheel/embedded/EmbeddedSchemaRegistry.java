package dev.flywheel.embedded;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A schema registry speaking the Confluent Schema Registry REST API (the subset that producers,
 * consumers and operators use) for Avro schemas, running inside this JVM on Vert.x. Like
 * Confluent's, it keeps everything in a compacted Kafka topic ({@code _schemas} by default), so ids
 * survive restarts and every instance reading that topic serves the same ids.
 *
 * <p>Compatibility is decided with Avro's {@code SchemaCompatibility}; the default level is
 * BACKWARD. Deleting a subject is a soft delete; schema references and non-Avro schema types are
 * not supported.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {
  /** The topic Confluent Schema Registry uses by default. */
  public static final String DEFAULT_TOPIC = "_schemas";

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);
  private static final String HOST = "127.0.0.1";
  private static final long STOP_TIMEOUT_SECONDS = 10;

  private final String bootstrapServers;
  private final int requestedPort;
  private final String topic;

  private SchemaStore store;
  private Vertx vertx;
  private int port;

  private EmbeddedSchemaRegistry(Builder builder) {
    this.bootstrapServers = builder.bootstrapServers;
    this.requestedPort = builder.port;
    this.topic = builder.topic;
  }

  /** Starts a builder for a registry that keeps its schemas on the given Kafka cluster. */
  public static Builder builder(String bootstrapServers) {
    return new Builder(bootstrapServers);
  }

  /**
   * Reads the schemas topic to its end (creating it if missing), then listens for HTTP requests.
   *
   * @return this registry, started
   * @throws IllegalStateException if it is already running or cannot start
   */
  public synchronized EmbeddedSchemaRegistry start() {
    if (vertx != null) {
      throw new IllegalStateException("The embedded schema registry is already running");
    }
    long startedAt = System.nanoTime();
    SchemaStore starting = new SchemaStore(bootstrapServers, topic);
    starting.start();
    store = starting;
    vertx =
        Vertx.vertx(
            new VertxOptions()
                .setEventLoopPoolSize(2)
                .setWorkerPoolSize(2)
                .setFileSystemOptions(
                    new FileSystemOptions()
                        .setFileCachingEnabled(false)
                        .setClassPathResolvingEnabled(false)));
    try {
      HttpServer server =
          vertx
              .createHttpServer(new HttpServerOptions().setHost(HOST).setPort(requestedPort))
              .requestHandler(RegistryApi.router(vertx, store, topic))
              .listen()
              .await(30, TimeUnit.SECONDS);
      port = server.actualPort();
    } catch (TimeoutException | RuntimeException e) {
      stop();
      throw new IllegalStateException(
          "The schema registry cannot listen on " + HOST + ":" + requestedPort, e);
    }
    LOG.info(
        "Schema registry ready at {} (topic {}) after {} ms",
        url(),
        topic,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
    return this;
  }

  /**
   * The base URL clients use, {@code http://127.0.0.1:<port>}.
   *
   * @throws IllegalStateException if the registry has not been started
   */
  public synchronized String url() {
    if (vertx == null) {
      throw new IllegalStateException("The embedded schema registry is not running");
    }
    return "http://" + HOST + ":" + port;
  }

  /** Stops listening and closes the Kafka clients. Calling it twice is harmless. */
  @Override
  public synchronized void close() {
    if (vertx != null || store != null) {
      stop();
      LOG.info("Schema registry stopped");
    }
  }

  private void stop() {
    if (vertx != null) {
      try {
        vertx.close().await(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (TimeoutException | RuntimeException e) {
        LOG.warn("Vert.x did not stop cleanly: {}", e.toString());
      }
      vertx = null;
    }
    if (store != null) {
      store.close();
      store = null;
    }
  }

  /** Settings of an {@link EmbeddedSchemaRegistry}. */
  public static final class Builder {
    private final String bootstrapServers;
    private int port;
    private String topic = DEFAULT_TOPIC;

    private Builder(String bootstrapServers) {
      this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    }

    /** The HTTP port; 0 (the default) picks a free port. */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("Port out of range: " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * The compacted topic that holds the schemas; {@value EmbeddedSchemaRegistry#DEFAULT_TOPIC} by
     * default.
     */
    public Builder topic(String topic) {
      if (topic == null || topic.isBlank()) {
        throw new IllegalArgumentException("The schemas topic needs a name");
      }
      this.topic = topic;
      return this;
    }

    /** Creates the registry; nothing runs until {@link EmbeddedSchemaRegistry#start()}. */
    public EmbeddedSchemaRegistry build() {
      return new EmbeddedSchemaRegistry(this);
    }
  }
}
