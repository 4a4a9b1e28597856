package dev.flywheel.platform;

import dev.flywheel.common.lifecycle.Service;
import dev.flywheel.common.lifecycle.ServiceRunner;
import dev.flywheel.common.metrics.Metrics;
import dev.flywheel.evaluator.EvaluatorService;
import dev.flywheel.feedback.FeedbackService;
import dev.flywheel.ingest.IngestService;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.Topics;
import dev.flywheel.trainer.TrainerService;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything in one JVM: the embedded broker and schema registry, then the feedback, trainer,
 * evaluator and ingest services, each built by its {@code DEFINITION} from FLYWHEEL_* settings
 * exactly as {@code flywheel service <name>} builds it, each on its own management port, sharing
 * the process's one Prometheus registry. Started in that order, closed in reverse; a service's
 * fatal error stops them all.
 */
final class Platform implements AutoCloseable {
  private final PlatformSettings settings;
  private final PlatformSettings.ApiKeys keys;
  private final EmbeddedStack stack;
  private final ServiceRunner runner;
  private final SchemaRegistryClient registryClient;
  private final Topics topics;
  private final FeedbackService feedback;
  private final TrainerService trainer;
  private final EvaluatorService evaluator;
  private final IngestService ingest;

  private Platform(PlatformSettings settings, List<Service> tail) throws Exception {
    this.settings = settings;
    this.keys = settings.apiKeys();
    this.stack =
        EmbeddedStack.start(
            settings.dataDir(), settings.kafkaPort(), settings.registryPort(), settings.prefix());
    try {
      this.registryClient = SchemaRegistryClient.create(stack.registryUrl());
      this.topics = Topics.create(settings.prefix(), registryClient);
      Map<String, String> env = environment();
      PrometheusMeterRegistry metrics = Metrics.registry();
      // Each service configured and assembled exactly as `flywheel service <name>` does it.
      this.feedback = FeedbackService.DEFINITION.create(env, metrics);
      this.trainer = TrainerService.DEFINITION.create(env, metrics);
      this.evaluator = EvaluatorService.DEFINITION.create(env, metrics);
      this.ingest = IngestService.DEFINITION.create(env, metrics);

      List<Service> components = new ArrayList<>();
      // Started before the runner (the services' settings need its addresses), closed last.
      components.add(Service.of("embedded-kafka-and-registry", () -> {}, stack::close));
      components.add(Service.of("schema-registry-client", () -> {}, registryClient::close));
      components.addAll(List.of(feedback, trainer, evaluator, ingest));
      components.addAll(tail);
      this.runner = ServiceRunner.builder("flywheel").addAll(components).exit(code -> {}).build();
    } catch (Exception e) {
      stack.close();
      throw e;
    }
  }

  /** Starts everything; returns when every service is ready. */
  static Platform start(PlatformSettings settings) throws Exception {
    Platform platform = new Platform(settings, List.of());
    platform.runner.start();
    return platform;
  }

  /**
   * Starts everything, prints the endpoints, and blocks until Ctrl-C / SIGTERM or a service's fatal
   * failure; then closes in reverse order and returns the exit code.
   */
  static int run(PlatformSettings settings, PrintStream out) throws Exception {
    Platform[] platform = new Platform[1];
    platform[0] =
        new Platform(
            settings,
            List.of(Service.of("endpoints", () -> platform[0].printEndpoints(out), () -> {})));
    return platform[0].runner.run();
  }

  /** The services' settings: the operator's FLYWHEEL_* environment, with the platform's wiring. */
  private Map<String, String> environment() {
    Map<String, String> env = new HashMap<>();
    System.getenv()
        .forEach(
            (key, value) -> {
              if (key.startsWith("FLYWHEEL_")) {
                env.put(key, value);
              }
            });
    env.putIfAbsent("FLYWHEEL_TRAINER_PROGRESS_INTERVAL", "1s");
    env.putAll(settings.sharedEnvironment(stack.bootstrapServers(), stack.registryUrl()));
    env.put("FLYWHEEL_INGEST_HTTP_HOST", settings.host());
    env.put("FLYWHEEL_INGEST_HTTP_PORT", Integer.toString(settings.apiPort()));
    env.put("FLYWHEEL_INGEST_API_KEYS", keys.gatewaySetting());
    env.put("FLYWHEEL_FEEDBACK_API_KEYS", keys.gatewaySetting());
    env.put("FLYWHEEL_FEEDBACK_HTTP_HOST", settings.host());
    env.put("FLYWHEEL_MANAGEMENT_HOST", settings.host());
    env.put("FLYWHEEL_INGEST_MANAGEMENT_PORT", Integer.toString(settings.managementPort(0)));
    env.put("FLYWHEEL_FEEDBACK_MANAGEMENT_PORT", Integer.toString(settings.managementPort(1)));
    env.put("FLYWHEEL_FEEDBACK_HTTP_PORT", Integer.toString(settings.managementPort(2)));
    env.put("FLYWHEEL_TRAINER_MANAGEMENT_PORT", Integer.toString(settings.managementPort(3)));
    env.put("FLYWHEEL_EVALUATOR_MANAGEMENT_PORT", Integer.toString(settings.managementPort(4)));
    env.put(
        "FLYWHEEL_TRAINER_WORK_DIR",
        settings.dataDir().resolve("trainer").toAbsolutePath().toString());
    return env;
  }

  void printEndpoints(PrintStream out) {
    String host = settings.host();
    out.println("Flywheel is up:");
    out.println("  console           " + consoleUrl() + "   (open it in a browser, enter a key)");
    out.println("  API (gateway)     " + apiUrl());
    if (keys.created()) {
      out.println("  admin key         " + keys.admin() + "   (shown once: created just now)");
      out.println("  app key           " + keys.app());
      out.println("  keys kept in      " + keys.file().toAbsolutePath() + " (owner-only)");
    } else {
      out.println("  API keys          in " + keys.file().toAbsolutePath() + " (owner-only)");
    }
    out.println("  Kafka             " + stack.bootstrapServers());
    out.println("  schema registry   " + stack.registryUrl());
    out.printf(
        "  metrics           ingest    http://%s:%d/metrics%n", host, ingest.managementPort());
    out.printf(
        "                    feedback  http://%s:%d/metrics%n", host, feedback.managementPort());
    out.printf(
        "                    trainer   http://%s:%d/metrics%n", host, trainer.managementPort());
    out.printf(
        "                    evaluator http://%s:%d/metrics%n", host, evaluator.managementPort());
    out.printf(
        "  live quality      http://%s:%d/v1/quality/{model}%n", host, feedback.qualityPort());
    out.println("  data directory    " + settings.dataDir().toAbsolutePath());
  }

  /** The web console, served by the gateway at its root. */
  String consoleUrl() {
    return apiUrl() + "/";
  }

  String apiUrl() {
    return "http://" + settings.host() + ":" + ingest.httpPort();
  }

  String adminKey() {
    return keys.admin();
  }

  String appKey() {
    return keys.app();
  }

  String bootstrapServers() {
    return stack.bootstrapServers();
  }

  String registryUrl() {
    return stack.registryUrl();
  }

  Topics topics() {
    return topics;
  }

  List<Integer> managementPorts() {
    return List.of(
        ingest.managementPort(),
        feedback.managementPort(),
        trainer.managementPort(),
        evaluator.managementPort());
  }

  @Override
  public void close() {
    runner.close();
  }
}
