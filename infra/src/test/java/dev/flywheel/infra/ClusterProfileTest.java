package dev.flywheel.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests and docker/compose.cluster.yaml deploy the cluster profile that the
 * fault harness (bench/cluster) proves: the brokers' replication and in-sync settings, the
 * services' replication factor and the feedback service's standby replicas.
 */
class ClusterProfileTest {
  private static final List<String> SERVICES =
      List.of("ingest", "feedback", "trainer", "trainer-gpu", "evaluator");

  @Test
  void kubernetesKafkaHasTheBrokerSettings() {
    JsonNode kafka =
        InfraFiles.yamlDocuments(InfraFiles.infra().resolve("kubernetes/base/kafka.yaml")).stream()
            .filter(d -> d.path("kind").asText().equals("Kafka"))
            .findFirst()
            .orElseThrow();
    JsonNode config = kafka.at("/spec/kafka/config");
    ClusterProfile.brokerSettings()
        .forEach((key, value) -> assertThat(config.path(key).asText()).as(key).isEqualTo(value));
  }

  @Test
  void kubernetesServicesHaveTheServiceAndStreamsSettings() {
    JsonNode config =
        InfraFiles.yaml(InfraFiles.infra().resolve("kubernetes/base/config.yaml")).path("data");
    ClusterProfile.serviceSettings()
        .forEach((key, value) -> assertThat(config.path(key).asText()).as(key).isEqualTo(value));
    Map<String, String> feedbackEnv = new HashMap<>();
    InfraFiles.yamlDocuments(InfraFiles.infra().resolve("kubernetes/base/feedback.yaml")).stream()
        .filter(d -> d.path("kind").asText().equals("Deployment"))
        .forEach(
            d ->
                d.at("/spec/template/spec/containers/0/env")
                    .forEach(
                        e -> feedbackEnv.put(e.path("name").asText(), e.path("value").asText())));
    assertThat(feedbackEnv).containsAllEntriesOf(ClusterProfile.streamsSettings());
  }

  @Test
  void composeClusterHasThreeBrokersWithTheBrokerSettings() {
    JsonNode services = composeCluster().path("services");
    List<String> brokers = List.of("kafka", "kafka-2", "kafka-3");
    for (int i = 0; i < brokers.size(); i++) {
      JsonNode env = services.path(brokers.get(i)).path("environment");
      assertThat(env.path("KAFKA_NODE_ID").asText()).isEqualTo(Integer.toString(i + 1));
      assertThat(env.path("KAFKA_CONTROLLER_QUORUM_VOTERS").asText().split(",")).hasSize(3);
      assertThat(services.path(brokers.get(i)).path("image").asText())
          .isEqualTo(compose().at("/services/kafka/image").asText());
      ClusterProfile.brokerSettings()
          .forEach(
              (key, value) ->
                  assertThat(env.path(brokerVariable(key)).asText()).as(key).isEqualTo(value));
    }
  }

  @Test
  void composeClusterSetsEveryServiceToTheProfileWithVariablesItReads() {
    JsonNode services = composeCluster().path("services");
    for (String service : SERVICES) {
      JsonNode env = services.path(service).path("environment");
      Map<String, String> expected = new HashMap<>(ClusterProfile.serviceSettings());
      if (service.equals("feedback")) {
        expected.putAll(ClusterProfile.streamsSettings());
      }
      expected.forEach(
          (key, value) ->
              assertThat(env.path(key).asText()).as(service + " " + key).isEqualTo(value));
      assertThat(env.path("FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS").asText().split(",")).hasSize(3);
      ServiceSpecs specs = ServiceSpecs.of(service.equals("trainer-gpu") ? "trainer" : service);
      env.fieldNames()
          .forEachRemaining(variable -> assertThat(specs.problemWith(variable)).isEmpty());
      assertThat(compose().path("services").has(service)).as(service + " in compose.yaml").isTrue();
    }
  }

  private static String brokerVariable(String key) {
    return "KAFKA_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
  }

  private static JsonNode composeCluster() {
    return InfraFiles.yaml(InfraFiles.docker().resolve("compose.cluster.yaml"));
  }

  private static JsonNode compose() {
    return InfraFiles.yaml(InfraFiles.docker().resolve("compose.yaml"));
  }
}
