package dev.flywheel.evaluator;

import dev.flywheel.common.config.InvalidConfigException;
import dev.flywheel.common.lifecycle.ExitCodes;
import dev.flywheel.common.lifecycle.Service;
import dev.flywheel.common.lifecycle.ServiceRunner;
import dev.flywheel.common.management.HealthChecks;
import dev.flywheel.common.management.ManagementServer;
import dev.flywheel.common.metrics.Metrics;
import dev.flywheel.schemas.RegistryConfig;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.Topics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The evaluator as a process: configuration from {@code FLYWHEEL_*}, the management server (health,
 * readiness, /metrics) and the {@link EvaluatorService}, run until the JVM is asked to stop. An
 * invalid configuration or a failed start exits non-zero with one clear line.
 */
public final class EvaluatorMain {

  private EvaluatorMain() {}

  /** Runs the evaluator until SIGTERM; exits with an {@link ExitCodes} code. */
  public static void main(String[] args) {
    EvaluatorConfig config;
    try {
      config = EvaluatorConfig.fromEnvironment();
    } catch (InvalidConfigException e) {
      System.err.println(EvaluatorService.SERVICE + ": " + e.getMessage());
      System.exit(ExitCodes.CONFIG_INVALID);
      return;
    }
    assemble(config, Metrics.registry(), System::exit, System.err).run();
  }

  /**
   * The evaluator's components in start order (the registry client, the management server, the
   * service) in a runner; a fatal error of the service stops the runner with a non-zero exit.
   *
   * @param exit what the runner calls with the exit code ({@code System::exit} in a process)
   * @param errorOutput where the one-line start failure goes
   */
  public static ServiceRunner assemble(
      EvaluatorConfig config,
      PrometheusMeterRegistry registry,
      IntConsumer exit,
      PrintStream errorOutput) {
    ServiceRunner[] runner = new ServiceRunner[1];
    List<Service> components = components(config, registry, error -> runner[0].fail(error));
    runner[0] =
        ServiceRunner.builder(EvaluatorService.SERVICE)
            .addAll(components)
            .exit(exit)
            .errorOutput(errorOutput)
            .build();
    return runner[0];
  }

  /**
   * The evaluator's components in start order: the registry client, the management server, the
   * service. For hosts that run several services in one process (the platform) under their own
   * runner; {@code onFatal} is told once when the service stops on a fatal error.
   */
  public static List<Service> components(
      EvaluatorConfig config, PrometheusMeterRegistry registry, Consumer<Throwable> onFatal) {
    SchemaRegistryClient registryClient =
        new SchemaRegistryClient(RegistryConfig.of(config.registryUrl()));
    Topics topics = Topics.create(config.topicPrefix(), registryClient);
    EvaluatorService service = new EvaluatorService(config, topics, registry);
    service.onFatal(onFatal);
    HealthChecks checks =
        new HealthChecks()
            .readiness(EvaluatorService.SERVICE, service.readiness())
            .liveness(EvaluatorService.SERVICE, service.liveness());
    ManagementServer management =
        ManagementServer.builder()
            .host(config.managementHost())
            .port(config.managementPort())
            .registry(registry)
            .health(checks)
            .build();
    return List.of(new RegistryClientCloser(registryClient), management, service);
  }

  /** Closes the schema registry client with the other components. */
  private record RegistryClientCloser(SchemaRegistryClient client) implements Service {
    @Override
    public String name() {
      return "schema-registry-client";
    }

    @Override
    public void start() {
      // The client connects lazily; nothing to wait for.
    }

    @Override
    public void close() {
      client.close();
    }
  }
}
