package dev.flywheel.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docker/compose.yaml parses and refers only to what exists: pinned images, Dockerfile targets,
 * variables the services read, ports they listen on, files in the repository, services and volumes
 * it declares; Prometheus scrapes each service's real management port. No Docker engine needed.
 */
class ComposeFileTest {
  private static final Pattern DEFAULTED = Pattern.compile("\\$\\{[A-Z0-9_]+:-(.*)}");

  private static Path docker;
  private static JsonNode services;
  private static JsonNode compose;
  private static Dockerfile dockerfile;

  @BeforeAll
  static void parse() {
    docker = InfraFiles.docker();
    compose = InfraFiles.yaml(docker.resolve("compose.yaml"));
    services = compose.path("services");
    dockerfile = Dockerfile.parse(docker.resolve("Dockerfile"));
  }

  @Test
  void stackHasTheBrokerRegistryServicesAndMonitoring() {
    assertThat(fieldNames(services))
        .contains(
            "kafka",
            "schema-registry",
            "ingest",
            "feedback",
            "trainer",
            "evaluator",
            "trainer-gpu",
            "minio",
            "prometheus",
            "grafana");
    assertThat(services.at("/kafka/image").asText()).startsWith("apache/kafka:");
    assertThat(services.at("/kafka/environment/KAFKA_PROCESS_ROLES").asText())
        .as("KRaft: the broker is its own controller")
        .contains("controller")
        .contains("broker");
    assertThat(services.at("/schema-registry/image").asText())
        .startsWith("confluentinc/cp-schema-registry:");
  }

  @Test
  void everyImageIsPinned() {
    services
        .fields()
        .forEachRemaining(
            e ->
                assertThat(Images.problemWith(e.getValue().path("image").asText()))
                    .as(e.getKey())
                    .isEmpty());
  }

  @Test
  void flywheelServicesAreBuiltFromTheirDockerfileTarget() {
    flywheelServices()
        .forEach(
            (name, spec) -> {
              JsonNode build = services.path(name).path("build");
              Path context = docker.resolve(build.path("context").asText()).normalize();
              assertThat(context.resolve(build.path("dockerfile").asText()))
                  .isEqualTo(docker.resolve("Dockerfile"));
              String target = build.path("target").asText();
              assertThat(dockerfile.stages()).containsKey(target);
              assertThat(services.path(name).path("image").asText())
                  .startsWith("flywheel/" + target + ":");
              assertThat(dockerfile.inherited(target, "CMD"))
                  .contains("[\"service\", \"" + spec.service() + "\"]");
            });
  }

  @Test
  void flywheelServicesAreGivenOnlyVariablesTheyRead() {
    flywheelServices()
        .forEach(
            (name, spec) -> {
              List<String> problems = new ArrayList<>();
              services
                  .path(name)
                  .path("environment")
                  .fieldNames()
                  .forEachRemaining(v -> spec.problemWith(v).ifPresent(problems::add));
              assertThat(problems).as(name).isEmpty();
              assertThat(services.path(name).path("environment").has("FLYWHEEL_INSTANCE_ID"))
                  .as(name + " scales: its replicas take their host names as instance ids")
                  .isFalse();
            });
  }

  @Test
  void publishedPortsAreOnesTheServicesListenOn() {
    flywheelServices()
        .forEach(
            (name, spec) -> {
              Map<String, String> env = effectiveEnvironment(name);
              Set<Integer> listening = new TreeSet<>();
              listening.add(spec.managementPort(env));
              spec.httpPort(env).ifPresent(listening::add);
              for (JsonNode port : services.path(name).path("ports")) {
                String[] parts = port.asText().split(":");
                assertThat(listening)
                    .as(name + " publishes " + port.asText())
                    .contains(Integer.parseInt(parts[parts.length - 1]));
              }
            });
  }

  @Test
  void servicesReachTheBrokerAndRegistryOfTheStack() {
    Set<Integer> kafkaPorts =
        listenerPorts(services.at("/kafka/environment/KAFKA_LISTENERS").asText());
    int registryPort =
        URI.create(services.at("/schema-registry/environment/SCHEMA_REGISTRY_LISTENERS").asText())
            .getPort();
    flywheelServices()
        .forEach(
            (name, spec) -> {
              JsonNode env = services.path(name).path("environment");
              String[] bootstrap = env.path("FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS").asText().split(":");
              assertThat(bootstrap[0]).as(name).isEqualTo("kafka");
              assertThat(kafkaPorts).as(name).contains(Integer.parseInt(bootstrap[1]));
              URI registry = URI.create(env.path("FLYWHEEL_SCHEMA_REGISTRY_URL").asText());
              assertThat(registry.getHost()).as(name).isEqualTo("schema-registry");
              assertThat(registry.getPort()).as(name).isEqualTo(registryPort);
              assertThat(env.path("FLYWHEEL_TOPICS_REPLICATION_FACTOR").asText())
                  .as("one broker: replication factor 1")
                  .isEqualTo("1");
              for (String dependency : List.of("kafka", "schema-registry")) {
                assertThat(
                        services.path(name).at("/depends_on/" + dependency + "/condition").asText())
                    .as(name + " waits for " + dependency)
                    .isEqualTo("service_healthy");
              }
            });
  }

  @Test
  void prometheusScrapesEveryServiceOnItsManagementPort() {
    JsonNode prometheus = InfraFiles.yaml(docker.resolve("prometheus/prometheus.yml"));
    Map<String, Integer> scraped = new HashMap<>();
    Map<String, String> serviceLabel = new HashMap<>();
    for (JsonNode job : prometheus.path("scrape_configs")) {
      String label = null;
      for (JsonNode relabel : job.path("relabel_configs")) {
        if ("service".equals(relabel.path("target_label").asText())) {
          label = relabel.path("replacement").asText();
        }
      }
      for (JsonNode sd : job.path("dns_sd_configs")) {
        for (JsonNode host : sd.path("names")) {
          scraped.put(host.asText(), sd.path("port").asInt());
          serviceLabel.put(host.asText(), label);
        }
      }
    }
    flywheelServices()
        .forEach(
            (name, spec) -> {
              assertThat(scraped).as(name + " is scraped").containsKey(name);
              assertThat(scraped.get(name))
                  .as(name + " management port")
                  .isEqualTo(spec.managementPort(effectiveEnvironment(name)));
              assertThat(serviceLabel.get(name)).isEqualTo(spec.service());
            });
    assertThat(prometheus.path("rule_files").get(0).asText()).startsWith("/etc/prometheus/rules/");
  }

  @Test
  void mountedFilesExistAndVolumesAndDependenciesAreDeclared() {
    Set<String> declaredVolumes = fieldNames(compose.path("volumes"));
    services
        .fields()
        .forEachRemaining(
            e -> {
              for (JsonNode volume : e.getValue().path("volumes")) {
                String source = volume.asText().split(":")[0];
                if (source.startsWith(".")) {
                  assertThat(docker.resolve(source).normalize()).as(e.getKey()).exists();
                } else {
                  assertThat(declaredVolumes).as(e.getKey()).contains(source);
                }
              }
              JsonNode dependsOn = e.getValue().path("depends_on");
              Set<String> dependencies =
                  dependsOn.isArray() ? textValues(dependsOn) : fieldNames(dependsOn);
              assertThat(fieldNames(services)).as(e.getKey()).containsAll(dependencies);
            });
  }

  @Test
  void gpuTrainerIsOptionalAndReservesAnNvidiaGpu() {
    JsonNode gpu = services.path("trainer-gpu");
    JsonNode device = gpu.at("/deploy/resources/reservations/devices/0");

    assertThat(textValues(gpu.path("profiles"))).containsExactly("gpu");
    assertThat(device.path("driver").asText()).isEqualTo("nvidia");
    assertThat(textValues(device.path("capabilities"))).contains("gpu");
    assertThat(gpu.at("/build/target").asText()).isEqualTo("trainer-gpu");
    assertThat(gpu.at("/environment/FLYWHEEL_TRAINER_DEVICE").asText()).isEqualTo("gpu");
  }

  @Test
  void grafanaIsProvisionedWithPrometheusAndTheDashboards() {
    JsonNode datasources =
        InfraFiles.yaml(docker.resolve("grafana/provisioning/datasources/prometheus.yaml"));
    JsonNode providers =
        InfraFiles.yaml(docker.resolve("grafana/provisioning/dashboards/flywheel.yaml"));
    URI url = URI.create(datasources.at("/datasources/0/url").asText());

    assertThat(url.getHost()).isEqualTo("prometheus");
    assertThat(services.path("prometheus").path("ports").get(0).asText())
        .endsWith(":" + url.getPort());
    String dashboardsPath = providers.at("/providers/0/options/path").asText();
    assertThat(textValues(services.at("/grafana/volumes")))
        .contains("../infra/grafana/dashboards:" + dashboardsPath + ":ro");
  }

  @Test
  void demoApiKeysAreHashesInTheGatewaysFormat() {
    String value = services.at("/ingest/environment/FLYWHEEL_INGEST_API_KEYS").asText();
    Matcher defaulted = DEFAULTED.matcher(value);
    assertThat(defaulted.matches()).as("overridable with a default").isTrue();
    for (String entry : defaulted.group(1).split(",")) {
      assertThat(entry).matches("[A-Za-z0-9._-]+:(app|admin):[0-9a-f]{64}");
    }
  }

  /** Compose services built from the Dockerfile, with the service each runs. */
  private static Map<String, ServiceSpecs> flywheelServices() {
    Map<String, ServiceSpecs> flywheel = new LinkedHashMap<>();
    services
        .fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().has("build")) {
                String target = e.getValue().at("/build/target").asText();
                String cmd = dockerfile.inherited(target, "CMD").orElseThrow();
                Matcher m = Pattern.compile("\"service\", \"([a-z]+)\"").matcher(cmd);
                assertThat(m.find()).as(target + " runs a service").isTrue();
                flywheel.put(e.getKey(), ServiceSpecs.of(m.group(1)));
              }
            });
    assertThat(flywheel).hasSizeGreaterThanOrEqualTo(4);
    return flywheel;
  }

  /** The image's environment overlaid with the compose service's. */
  private static Map<String, String> effectiveEnvironment(String name) {
    Map<String, String> env =
        new HashMap<>(dockerfile.environment(services.path(name).at("/build/target").asText()));
    services
        .path(name)
        .path("environment")
        .fields()
        .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    return env;
  }

  private static Set<Integer> listenerPorts(String listeners) {
    Set<Integer> ports = new TreeSet<>();
    for (String listener : listeners.split(",")) {
      ports.add(Integer.parseInt(listener.substring(listener.lastIndexOf(':') + 1)));
    }
    return ports;
  }

  private static Set<String> fieldNames(JsonNode node) {
    Set<String> names = new TreeSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static Set<String> textValues(JsonNode array) {
    Set<String> values = new TreeSet<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }
}
