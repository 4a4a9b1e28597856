package dev.flywheel.infra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the generated files of the Kubernetes base: {@code kubernetes/base/topics.yaml} from the
 * topic catalogue ({@link TopicManifests}) and {@code kubernetes/base/prometheus-rule.yaml} from
 * {@code prometheus/rules.yaml} ({@link PrometheusRuleManifest}). Run it with {@code mvn -B -f
 * infra/pom.xml compile exec:java}; the infra tests fail while a committed file is stale.
 */
public final class Generate {
  /** Where the topics go, relative to the infra folder. */
  public static final String TOPICS = "kubernetes/base/topics.yaml";

  /** Where the rules go, relative to the infra folder. */
  public static final String PROMETHEUS_RULE = "kubernetes/base/prometheus-rule.yaml";

  /** Where the rules come from, relative to the infra folder. */
  public static final String RULES = "prometheus/rules.yaml";

  private Generate() {}

  /** {@code args[0]}: the infra folder. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: Generate <infra folder>");
    }
    Path infra = Path.of(args[0]);
    write(infra.resolve(TOPICS), TopicManifests.renderDefault());
    write(
        infra.resolve(PROMETHEUS_RULE),
        PrometheusRuleManifest.render(
            Files.readString(infra.resolve(RULES), StandardCharsets.UTF_8)));
  }

  private static void write(Path file, String content) throws IOException {
    Files.writeString(file, content, StandardCharsets.UTF_8);
    System.out.println("wrote " + file.toAbsolutePath().normalize());
  }
}
