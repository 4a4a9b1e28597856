package dev.flywheel.common.service;

import dev.flywheel.common.config.Config;
import dev.flywheel.common.config.ConfigSpec;
import dev.flywheel.common.lifecycle.ServiceRunner;
import dev.flywheel.common.metrics.Metrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * What a service is, in one value: its name, its {@link ConfigSpec}, how a parsed {@link Config}
 * becomes its configuration record, and how a record becomes the running service. Both {@code main}
 * (one service per process, {@code flywheel service <name>}) and the all-in-one platform build
 * services through it, so a service is configured and assembled one way only.
 *
 * @param name the service's name ({@code ingest}, {@code feedback}, ...)
 * @param spec every key the service understands
 * @param parse the configuration record from validated values (throws {@code
 *     InvalidConfigException} listing every problem)
 * @param factory the service from its configuration and the process's meter registry
 * @param <C> the configuration record
 * @param <S> the service
 */
public record ServiceDefinition<C extends ServiceConfig, S extends ServiceSkeleton<C>>(
    String name,
    ConfigSpec spec,
    Function<Config, C> parse,
    BiFunction<C, PrometheusMeterRegistry, S> factory) {

  /** Checks every part is given. */
  public ServiceDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(parse, "parse");
    Objects.requireNonNull(factory, "factory");
  }

  /**
   * The configuration from {@code FLYWHEEL_*} variables in {@code env} and the properties file that
   * {@code env[FLYWHEEL_CONFIG_FILE]} names, if any.
   *
   * @throws dev.flywheel.common.config.InvalidConfigException listing every problem
   */
  public C config(Map<String, String> env) {
    return parse.apply(spec.load(env));
  }

  /** The service configured from {@code env} (see {@link #config}), not yet started. */
  public S create(Map<String, String> env, PrometheusMeterRegistry metrics) {
    return factory.apply(config(env), metrics);
  }

  /**
   * The process's {@code main}: configuration from the environment, the service run until the JVM
   * is asked to stop, and the exit code of {@link dev.flywheel.common.lifecycle.ExitCodes} (78 for
   * an invalid configuration, with every problem on one line).
   */
  public void main() {
    ServiceRunner.launch(name, () -> List.of(create(System.getenv(), Metrics.registry())));
  }

  /**
   * A runner of the service with {@code config}: {@link ServiceRunner#run()} starts it, waits for a
   * stop or a fatal error, closes it and calls {@code exit} with the exit code.
   */
  public ServiceRunner runner(
      C config, PrometheusMeterRegistry metrics, IntConsumer exit, PrintStream errorOutput) {
    return ServiceRunner.builder(name)
        .add(factory.apply(config, metrics))
        .exit(exit)
        .errorOutput(errorOutput)
        .build();
  }
}
