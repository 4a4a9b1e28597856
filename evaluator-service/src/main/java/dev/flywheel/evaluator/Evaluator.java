package dev.flywheel.evaluator;

import dev.flywheel.common.service.Parts;
import dev.flywheel.common.service.ServiceDefinition;
import dev.flywheel.common.service.ServiceSkeleton;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The evaluator as a service: the skeleton's registry client, topics and management server, and one
 * component, the {@link EvaluatorService} (state rebuilt from the topics, then the
 * champion/challenger loop), whose readiness and liveness the management port serves. A fatal error
 * of the loop (e.g. the producer fenced) stops the process with a non-zero exit.
 */
public final class Evaluator extends ServiceSkeleton<EvaluatorConfig> {
  /** What the evaluator is, for {@code main} and the all-in-one platform. */
  public static final ServiceDefinition<EvaluatorConfig, Evaluator> DEFINITION =
      new ServiceDefinition<>(
          EvaluatorService.SERVICE, EvaluatorConfig.SPEC, EvaluatorConfig::from, Evaluator::new);

  /** An evaluator reporting to {@code metrics}. */
  public Evaluator(EvaluatorConfig config, PrometheusMeterRegistry metrics) {
    super(EvaluatorService.SERVICE, config, metrics);
  }

  /** Runs the evaluator until SIGTERM; exits with an {@code ExitCodes} code. */
  public static void main(String[] args) {
    DEFINITION.main();
  }

  @Override
  protected void assemble(Parts parts) throws Exception {
    EvaluatorService service = new EvaluatorService(config(), parts.topics(), parts.metrics());
    parts
        .health()
        .readiness(EvaluatorService.SERVICE, service.readiness())
        .liveness(EvaluatorService.SERVICE, service.liveness());
    parts.start(service);
  }
}
