package dev.flywheel.platform;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code flywheel up}: the broker, the registry and the four services in one JVM. */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = {
      "Broker, schema registry and the four services in one JVM.",
      "",
      "Starts the embedded Kafka broker, the schema registry and the ingest, feedback, trainer and",
      "evaluator services. Data is kept in the data directory between runs; Ctrl-C stops",
      "everything cleanly in reverse order."
    })
final class UpCommand implements Callable<Integer> {
  @Mixin InfraOptions infra;

  @Option(
      names = "--api-port",
      defaultValue = "8080",
      description = "Gateway port (default: ${DEFAULT-VALUE}).")
  int apiPort;

  @Option(
      names = "--management-port",
      defaultValue = "9080",
      description =
          "First management port: ingest, feedback, quality API, trainer, evaluator follow"
              + " (default: ${DEFAULT-VALUE}; 0 = free ports).")
  int managementPort;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Interface the HTTP servers bind to (default: ${DEFAULT-VALUE}).")
  String host;

  @Override
  public Integer call() throws Exception {
    PlatformSettings settings =
        new PlatformSettings(
            infra.dataDir(),
            infra.kafkaPort,
            infra.registryPort,
            apiPort,
            managementPort,
            infra.prefix(),
            host);
    return Platform.run(settings, System.out);
  }
}
