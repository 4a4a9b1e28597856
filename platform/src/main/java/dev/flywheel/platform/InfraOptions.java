package dev.flywheel.platform;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the embedded stack keeps its data and which ports it listens on. */
final class InfraOptions {
  @Option(
      names = "--data-dir",
      defaultValue = "flywheel-data",
      description = "Data directory kept between runs (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--kafka-port",
      defaultValue = "9092",
      description = "Broker port (0 = any free port; default: ${DEFAULT-VALUE}).")
  int kafkaPort;

  @Option(
      names = "--registry-port",
      defaultValue = "8081",
      description = "Schema registry port (0 = any free port; default: ${DEFAULT-VALUE}).")
  int registryPort;

  @Option(
      names = "--prefix",
      defaultValue = "flywheel",
      description = "Topic name prefix (default: ${DEFAULT-VALUE}).")
  String prefix;

  Path dataDir() {
    return dataDir;
  }

  String prefix() {
    return prefix;
  }
}
