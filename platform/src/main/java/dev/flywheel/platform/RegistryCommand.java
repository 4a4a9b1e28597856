package dev.flywheel.platform;

import dev.flywheel.embedded.EmbeddedSchemaRegistry;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flywheel registry}: Flywheel's Confluent-compatible schema registry on its own, keeping
 * its schemas in a compacted topic of an external Kafka cluster. Create that topic first with the
 * cluster's replication factor (the registry creates it with the broker's defaults otherwise).
 */
@Command(
    name = "registry",
    mixinStandardHelpOptions = true,
    description = {
      "Run the schema registry alone against a Kafka cluster (Ctrl-C stops it).",
      "It listens on 127.0.0.1 and keeps its schemas in a compacted topic."
    })
final class RegistryCommand implements Callable<Integer> {
  @Option(
      names = "--bootstrap-servers",
      defaultValue = "${env:FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS}",
      description = "Kafka bootstrap servers (default: $FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS).")
  String bootstrapServers;

  @Option(
      names = "--port",
      defaultValue = "8081",
      description = "HTTP port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--topic",
      defaultValue = EmbeddedSchemaRegistry.DEFAULT_TOPIC,
      description = "The topic that holds the schemas (default: ${DEFAULT-VALUE}).")
  String topic;

  @Override
  public Integer call() throws Exception {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      System.err.println("error: give --bootstrap-servers or set FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS");
      return 2;
    }
    if (port < 0 || port > 65_535) {
      System.err.println("error: --port needs a port from 0 to 65535, not " + port);
      return 2;
    }
    EmbeddedSchemaRegistry registry =
        EmbeddedSchemaRegistry.builder(bootstrapServers).port(port).topic(topic).build().start();
    System.out.println("Schema registry: " + registry.url() + " (topic " + topic + ")");
    Shutdown.closeOnSignal(registry);
    return 0;
  }
}
