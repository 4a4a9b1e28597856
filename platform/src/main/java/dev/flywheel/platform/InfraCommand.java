package dev.flywheel.platform;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code flywheel infra}: only the embedded broker and schema registry, for development. */
@Command(
    name = "infra",
    mixinStandardHelpOptions = true,
    description = "Run only the embedded Kafka broker and schema registry (Ctrl-C stops them).")
final class InfraCommand implements Callable<Integer> {
  @Mixin InfraOptions options;

  @Override
  public Integer call() throws Exception {
    EmbeddedStack stack = EmbeddedStack.start(options);
    System.out.println("Kafka bootstrap servers: " + stack.bootstrapServers());
    System.out.println("Schema registry:         " + stack.registryUrl());
    System.out.println("Data directory:          " + options.dataDir().toAbsolutePath());
    System.out.println("Topics (prefix " + options.prefix() + ") created. Ctrl-C stops.");
    Shutdown.closeOnSignal(stack);
    return 0;
  }
}
