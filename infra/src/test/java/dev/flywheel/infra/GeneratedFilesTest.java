package dev.flywheel.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.Topics;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The committed generated files agree with their sources: one KafkaTopic per catalogue entry with
 * its name, partitions, cleanup policy and retention, and a PrometheusRule holding exactly the
 * rules that promtool checks.
 */
class GeneratedFilesTest {
  private static final String REGENERATE = "; run `mvn -B -f infra/pom.xml compile exec:java`";

  private static SchemaRegistryClient unusedRegistry;
  private static Topics catalogue;

  @BeforeAll
  static void catalogue() {
    unusedRegistry = SchemaRegistryClient.create("http://127.0.0.1:1");
    catalogue = Topics.create(Topics.DEFAULT_PREFIX, unusedRegistry);
  }

  @AfterAll
  static void close() {
    unusedRegistry.close();
  }

  @Test
  void committedTopicsFileIsTheGeneratorsOutput() {
    String committed = InfraFiles.read(InfraFiles.infra().resolve(Generate.TOPICS));

    assertThat(committed)
        .as(Generate.TOPICS + " is stale" + REGENERATE)
        .isEqualTo(TopicManifests.renderDefault());
  }

  @Test
  void everyCatalogueTopicHasAKafkaTopicWithItsLayout() {
    Map<String, JsonNode> manifests = kafkaTopicsByName();

    assertThat(manifests.keySet())
        .containsExactlyElementsOf(catalogue.all().stream().map(Topic::name).toList());
    for (Topic<?, ?> topic : catalogue.all()) {
      JsonNode spec = manifests.get(topic.name()).path("spec");
      JsonNode config = spec.path("config");
      assertThat(spec.path("partitions").asInt()).as(topic.name()).isEqualTo(topic.partitions());
      assertThat(config.path("cleanup.policy").asText())
          .as(topic.name())
          .isEqualTo(topic.cleanupPolicy().configValue());
      if (topic.retention().isPresent()) {
        assertThat(config.path("retention.ms").asText())
            .as(topic.name())
            .isEqualTo(topic.configs().get("retention.ms"));
      } else {
        assertThat(config.has("retention.ms"))
            .as(topic.name() + " keeps broker retention")
            .isFalse();
      }
      assertThat(spec.path("replicas").asInt()).isEqualTo(TopicManifests.REPLICAS);
    }
  }

  @Test
  void kafkaTopicsBelongToTheClusterOfTheBase() {
    List<JsonNode> cluster =
        InfraFiles.yamlDocuments(InfraFiles.infra().resolve("kubernetes/base/kafka.yaml"));
    String clusterName =
        cluster.stream()
            .filter(d -> "Kafka".equals(d.path("kind").asText()))
            .findFirst()
            .orElseThrow()
            .path("metadata")
            .path("name")
            .asText();

    assertThat(clusterName).isEqualTo(TopicManifests.CLUSTER);
    kafkaTopicsByName()
        .values()
        .forEach(
            t ->
                assertThat(t.path("metadata").path("labels").path("strimzi.io/cluster").asText())
                    .isEqualTo(clusterName));
  }

  @Test
  void compactedTopicsKeepTheLatestRecordAndReleasesAreKeptForever() {
    Map<String, JsonNode> manifests = kafkaTopicsByName();

    assertThat(config(manifests, "model-specs").path("cleanup.policy").asText())
        .isEqualTo("compact");
    assertThat(config(manifests, "examples").path("cleanup.policy").asText()).isEqualTo("compact");
    assertThat(config(manifests, "releases").path("retention.ms").asLong()).isEqualTo(-1L);
    assertThat(config(manifests, "training-progress").path("retention.ms").asLong())
        .isEqualTo(86_400_000L);
    assertThat(
            manifests.get(Topics.name(Topics.DEFAULT_PREFIX, "predictions")).at("/spec/partitions"))
        .isEqualTo(
            manifests.get(Topics.name(Topics.DEFAULT_PREFIX, "feedback")).at("/spec/partitions"));
  }

  @Test
  void committedPrometheusRuleIsTheRulesFileWrapped() {
    Path infra = InfraFiles.infra();
    String rules = InfraFiles.read(infra.resolve(Generate.RULES));
    String committed = InfraFiles.read(infra.resolve(Generate.PROMETHEUS_RULE));

    assertThat(committed)
        .as(Generate.PROMETHEUS_RULE + " is stale" + REGENERATE)
        .isEqualTo(PrometheusRuleManifest.render(rules));
    JsonNode resource = InfraFiles.yaml(infra.resolve(Generate.PROMETHEUS_RULE));
    assertThat(resource.path("spec")).isEqualTo(InfraFiles.yaml(infra.resolve(Generate.RULES)));
  }

  private static JsonNode config(Map<String, JsonNode> manifests, String baseName) {
    return manifests.get(Topics.name(Topics.DEFAULT_PREFIX, baseName)).path("spec").path("config");
  }

  private static Map<String, JsonNode> kafkaTopicsByName() {
    return InfraFiles.yamlDocuments(InfraFiles.infra().resolve(Generate.TOPICS)).stream()
        .filter(d -> "KafkaTopic".equals(d.path("kind").asText()))
        .collect(
            Collectors.toMap(
                d -> d.path("spec").path("topicName").asText(),
                Function.identity(),
                (a, b) -> {
                  throw new AssertionError("two KafkaTopics for " + a.at("/spec/topicName"));
                },
                LinkedHashMap::new));
  }
}
