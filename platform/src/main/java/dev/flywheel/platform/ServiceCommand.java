package dev.flywheel.platform;

import dev.flywheel.common.service.ServiceDefinition;
import dev.flywheel.evaluator.EvaluatorService;
import dev.flywheel.feedback.FeedbackService;
import dev.flywheel.ingest.IngestService;
import dev.flywheel.trainer.TrainerService;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code flywheel service <name>}: one service against an external Kafka cluster and a
 * Confluent-compatible schema registry, configured by FLYWHEEL_* environment variables (and an
 * optional properties file named by FLYWHEEL_CONFIG_FILE). This is what the container images run.
 */
@Command(
    name = "service",
    mixinStandardHelpOptions = true,
    description = {
      "One service against an external Kafka cluster and schema registry.",
      "",
      "Configured by FLYWHEEL_* environment variables (e.g. FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS,",
      "FLYWHEEL_SCHEMA_REGISTRY_URL). Exits non-zero with one line when the configuration is",
      "invalid or the start fails."
    })
final class ServiceCommand implements Callable<Integer> {
  /** The services this command runs, each by the definition the platform builds it with too. */
  enum Name {
    ingest(IngestService.DEFINITION),
    feedback(FeedbackService.DEFINITION),
    trainer(TrainerService.DEFINITION),
    evaluator(EvaluatorService.DEFINITION);

    private final ServiceDefinition<?, ?> definition;

    Name(ServiceDefinition<?, ?> definition) {
      this.definition = definition;
    }
  }

  @Parameters(index = "0", paramLabel = "NAME", description = "One of: ${COMPLETION-CANDIDATES}.")
  Name name;

  @Override
  public Integer call() {
    name.definition.main();
    return 0;
  }
}
