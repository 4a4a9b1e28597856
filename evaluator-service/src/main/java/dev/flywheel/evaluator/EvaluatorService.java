package dev.flywheel.evaluator;

import dev.flywheel.common.service.Parts;
import dev.flywheel.common.service.ServiceDefinition;
import dev.flywheel.common.service.ServiceSkeleton;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The evaluator as a service: the skeleton's registry client, topics and management server, and one
 * component, the {@link EvaluationLoop} (state rebuilt from the topics, then the
 * champion/challenger loop), whose readiness and liveness the management port serves. A fatal error
 * of the loop (e.g. the producer fenced) stops the process with a non-zero exit.
 */
public final class EvaluatorService extends ServiceSkeleton<EvaluatorConfig> {
  /** The service's name in logs, exit lines and dead-letter headers. */
  public static final String NAME = "evaluator";

  /** What the evaluator is, for {@code main} and the all-in-one platform. */
  public static final ServiceDefinition<EvaluatorConfig, EvaluatorService> DEFINITION =
      new ServiceDefinition<>(
          NAME, EvaluatorConfig.SPEC, EvaluatorConfig::from, EvaluatorService::new);

  /** An evaluator reporting to {@code metrics}. */
  public EvaluatorService(EvaluatorConfig config, PrometheusMeterRegistry metrics) {
    super(NAME, config, metrics);
  }

  /** Runs the evaluator until SIGTERM; exits with an {@code ExitCodes} code. */
  public static void main(String[] args) {
    DEFINITION.main();
  }

  @Override
  protected void assemble(Parts parts) throws Exception {
    EvaluationLoop loop = new EvaluationLoop(config(), parts.topics(), parts.metrics());
    parts.health().readiness(NAME, loop.readiness()).liveness(NAME, loop.liveness());
    parts.start(loop);
  }
}
