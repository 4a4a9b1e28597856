package dev.flywheel.embedded;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.apache.logging.log4j.LogManager;

/**
 * Runs just the embedded Kafka broker and schema registry, so that other tools (kafka-console-*, a
 * Kafka UI, a service started on its own) can be pointed at them. Ctrl-C stops both cleanly.
 *
 * <pre>
 * EmbeddedInfraMain [--data-dir DIR] [--kafka-port N] [--registry-port N] [--controller-port N]
 * </pre>
 */
public final class EmbeddedInfraMain {
  private static final String USAGE =
      "usage: EmbeddedInfraMain [--data-dir DIR] [--kafka-port N] [--registry-port N]"
          + " [--controller-port N]\n"
          + "  --data-dir         where the broker keeps its data between runs"
          + " (default: flywheel-data/kafka)\n"
          + "  --kafka-port       broker port for clients (default 9092; 0 = any free port)\n"
          + "  --registry-port    schema registry HTTP port (default 8081; 0 = any free port)\n"
          + "  --controller-port  KRaft controller port (default 0 = any free port)";

  private EmbeddedInfraMain() {}

  /** Parsed command line. */
  record Options(Path dataDir, int kafkaPort, int registryPort, int controllerPort) {
    static Options parse(String... args) {
      Path dataDir = Path.of("flywheel-data", "kafka");
      int kafkaPort = 9092;
      int registryPort = 8081;
      int controllerPort = 0;
      for (int i = 0; i < args.length; i++) {
        String name = args[i];
        if ("--help".equals(name) || "-h".equals(name)) {
          throw new IllegalArgumentException("help");
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("missing value after " + name);
        }
        String value = args[++i];
        switch (name) {
          case "--data-dir" -> dataDir = Path.of(value);
          case "--kafka-port" -> kafkaPort = port(name, value);
          case "--registry-port" -> registryPort = port(name, value);
          case "--controller-port" -> controllerPort = port(name, value);
          default -> throw new IllegalArgumentException("unknown option " + name);
        }
      }
      return new Options(dataDir, kafkaPort, registryPort, controllerPort);
    }

    private static int port(String name, String value) {
      try {
        int port = Integer.parseInt(value);
        if (port >= 0 && port <= 65_535) {
          return port;
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " needs a port number, not '" + value + "'");
      }
      throw new IllegalArgumentException(name + " needs a port from 0 to 65535, not " + value);
    }
  }

  /** Starts the broker and the registry and blocks until the JVM is asked to stop. */
  public static void main(String[] args) throws InterruptedException {
    // Before the first logger exists: the broker at WARN, Flywheel at INFO, unless told otherwise.
    if (System.getProperty("log4j2.configurationFile") == null) {
      System.setProperty(
          "log4j2.configurationFile", "classpath:dev/flywheel/embedded/log4j2-embedded-main.xml");
    }
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      boolean help = "help".equals(e.getMessage());
      System.err.println(help ? USAGE : "error: " + e.getMessage() + "\n" + USAGE);
      System.exit(help ? 0 : 2);
      return;
    }
    EmbeddedKafka kafka =
        EmbeddedKafka.builder()
            .dataDir(options.dataDir())
            .port(options.kafkaPort())
            .controllerPort(options.controllerPort())
            .build();
    EmbeddedSchemaRegistry registry;
    try {
      kafka.start();
      registry =
          EmbeddedSchemaRegistry.builder(kafka.bootstrapServers())
              .port(options.registryPort())
              .build()
              .start();
    } catch (RuntimeException e) {
      kafka.close();
      System.err.println("error: cannot start the embedded infrastructure: " + rootMessage(e));
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    registry.close();
                    kafka.close();
                  } finally {
                    stopped.countDown();
                    // The logging config leaves shutdown to us, so the lines above still log.
                    LogManager.shutdown();
                  }
                },
                "flywheel-embedded-shutdown"));
    System.out.println("Kafka bootstrap servers: " + kafka.bootstrapServers());
    System.out.println("Schema registry URL:     " + registry.url());
    System.out.println("Data directory:          " + kafka.dataDir());
    System.out.println("Press Ctrl-C to stop.");
    stopped.await();
  }

  private static String rootMessage(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    return e == cause ? e.getMessage() : e.getMessage() + " (" + cause + ")";
  }
}
