package dev.flywheel.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes base as kustomize would render it (kustomize is not needed: the test reads the
 * kustomization's resources itself): every Deployment probes the management port the service really
 * listens on and requests resources, sets only variables the service reads, and the GPU trainer,
 * autoscaler, monitor and secrets fit the Deployments they refer to.
 */
class KubernetesManifestsTest {
  private static Path base;
  private static List<JsonNode> resources;
  private static JsonNode kustomization;

  @BeforeAll
  static void render() {
    base = InfraFiles.infra().resolve("kubernetes/base");
    kustomization = InfraFiles.yaml(base.resolve("kustomization.yaml"));
    resources = new ArrayList<>();
    for (JsonNode file : kustomization.path("resources")) {
      Path path = base.resolve(file.asText());
      assertThat(path).as("kustomization resource").isRegularFile();
      resources.addAll(InfraFiles.yamlDocuments(path));
    }
  }

  @Test
  void everyResourceHasAKindANameAndTheFlywheelLabel() {
    assertThat(resources).isNotEmpty();
    for (JsonNode resource : resources) {
      assertThat(resource.path("apiVersion").asText()).isNotBlank();
      assertThat(resource.path("kind").asText()).isNotBlank();
      assertThat(resource.at("/metadata/name").asText()).isNotBlank();
      assertThat(resource.at("/metadata/labels/app.kubernetes.io~1part-of").asText())
          .as(describe(resource))
          .isEqualTo("flywheel");
    }
  }

  @Test
  void everyFlywheelServiceHasADeployment() {
    assertThat(flywheelDeployments().keySet())
        .containsExactlyInAnyOrder(
            ServiceSpecs.INGEST,
            ServiceSpecs.FEEDBACK,
            ServiceSpecs.TRAINER,
            ServiceSpecs.EVALUATOR);
  }

  @Test
  void everyContainerRequestsCpuAndMemoryAndLimitsMemory() {
    for (JsonNode deployment : ofKind("Deployment")) {
      for (JsonNode container : containers(deployment)) {
        String where = describe(deployment) + " container " + container.path("name").asText();
        assertThat(container.at("/resources/requests/cpu").asText()).as(where).isNotBlank();
        assertThat(container.at("/resources/requests/memory").asText()).as(where).isNotBlank();
        assertThat(container.at("/resources/limits/memory").asText()).as(where).isNotBlank();
      }
    }
  }

  @Test
  void everyDeploymentHasLivenessAndReadinessProbes() {
    for (JsonNode deployment : ofKind("Deployment")) {
      for (JsonNode container : containers(deployment)) {
        String where = describe(deployment);
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).as(where).isNotBlank();
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).as(where).isNotBlank();
        assertThat(port(container, container.at("/livenessProbe/httpGet/port")))
            .as(where)
            .isPresent();
        assertThat(port(container, container.at("/readinessProbe/httpGet/port")))
            .as(where)
            .isPresent();
      }
    }
  }

  @Test
  void serviceProbesAskTheManagementPortTheServiceListensOn() {
    flywheelDeployments()
        .forEach(
            (service, deployment) -> {
              JsonNode container = containers(deployment).get(0);
              Map<String, String> env = environment(container);
              int management = service.managementPort(env);
              String where = describe(deployment);
              assertThat(env).as(where).containsKey(service.managementPortVariable());
              assertThat(container.at("/livenessProbe/httpGet/path").asText())
                  .as(where)
                  .isEqualTo("/health/live");
              assertThat(container.at("/readinessProbe/httpGet/path").asText())
                  .as(where)
                  .isEqualTo("/health/ready");
              assertThat(port(container, container.at("/livenessProbe/httpGet/port")))
                  .as(where + " liveness port")
                  .contains(management);
              assertThat(port(container, container.at("/readinessProbe/httpGet/port")))
                  .as(where + " readiness port")
                  .contains(management);
              assertThat(port(container, container.at("/startupProbe/httpGet/port")))
                  .as(where + " startup port")
                  .contains(management);
              assertThat(namedPort(container, "management")).as(where).contains(management);
              service
                  .httpPort(env)
                  .ifPresent(http -> assertThat(namedPort(container, "http")).contains(http));
            });
  }

  @Test
  void servicesAreGivenOnlyVariablesTheyRead() {
    flywheelDeployments()
        .forEach(
            (service, deployment) -> {
              List<String> problems = new ArrayList<>();
              for (String variable : environment(containers(deployment).get(0)).keySet()) {
                service.problemWith(variable).ifPresent(problems::add);
              }
              assertThat(problems).as(describe(deployment)).isEmpty();
            });
  }

  @Test
  void trainerRunsOnGpuNodesAsOneConsumerGroup() {
    JsonNode trainer = flywheelDeployments().get(ServiceSpecs.TRAINER);
    JsonNode pod = trainer.at("/spec/template/spec");
    JsonNode container = containers(trainer).get(0);
    Map<String, String> env = environment(container);

    assertThat(container.at("/resources/limits/nvidia.com~1gpu").asInt()).isGreaterThanOrEqualTo(1);
    assertThat(pod.path("nodeSelector").size()).isPositive();
    assertThat(pod.path("tolerations").findValuesAsText("key")).contains("nvidia.com/gpu");
    assertThat(container.path("image").asText()).startsWith("flywheel/trainer-gpu:");
    assertThat(env).containsEntry("FLYWHEEL_TRAINER_DEVICE", "gpu");
    // One group id for every pod, so scaling the Deployment shares the requests out.
    assertThat(env.get("FLYWHEEL_TRAINER_GROUP_ID")).isNotBlank().doesNotContain("$");
    assertThat(trainer.at("/spec/replicas").asInt()).isGreaterThan(1);
  }

  @Test
  void gatewayIsScaledByAnAutoscalerOnCpu() {
    List<JsonNode> autoscalers = ofKind("HorizontalPodAutoscaler");
    assertThat(autoscalers).hasSize(1);
    JsonNode hpa = autoscalers.get(0);
    JsonNode target = hpa.at("/spec/scaleTargetRef");
    JsonNode ingest = flywheelDeployments().get(ServiceSpecs.INGEST);

    assertThat(target.path("kind").asText()).isEqualTo("Deployment");
    assertThat(target.path("name").asText()).isEqualTo(ingest.at("/metadata/name").asText());
    assertThat(hpa.at("/spec/minReplicas").asInt())
        .isBetween(1, hpa.at("/spec/maxReplicas").asInt());
    assertThat(hpa.at("/spec/metrics").findValuesAsText("name")).contains("cpu");
  }

  @Test
  void podMonitorScrapesTheManagementPortOfEveryServicePod() {
    List<JsonNode> monitors = ofKind("PodMonitor");
    assertThat(monitors).hasSize(1);
    JsonNode monitor = monitors.get(0);
    JsonNode endpoint = monitor.at("/spec/podMetricsEndpoints/0");
    assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
    assertThat(endpoint.path("relabelings").findValuesAsText("targetLabel")).contains("service");

    flywheelDeployments()
        .forEach(
            (service, deployment) -> {
              JsonNode labels = deployment.at("/spec/template/metadata/labels");
              assertThat(selects(monitor.at("/spec/selector"), labels))
                  .as("the PodMonitor selects " + describe(deployment))
                  .isTrue();
              assertThat(labels.path("app.kubernetes.io/component").asText())
                  .as("the `service` label comes from the component label")
                  .isEqualTo(service.service());
              assertThat(namedPort(containers(deployment).get(0), endpoint.path("port").asText()))
                  .isPresent();
            });
  }

  @Test
  void servicesSelectPodsAndPortsThatExist() {
    for (JsonNode service : ofKind("Service")) {
      JsonNode deployment =
          ofKind("Deployment").stream()
              .filter(
                  d ->
                      selectsLabels(
                          service.at("/spec/selector"), d.at("/spec/template/metadata/labels")))
              .findFirst()
              .orElseThrow(() -> new AssertionError(describe(service) + " selects no Deployment"));
      for (JsonNode port : service.at("/spec/ports")) {
        assertThat(port(containers(deployment).get(0), port.path("targetPort")))
            .as(describe(service) + " port " + port.path("name").asText())
            .isPresent();
      }
    }
  }

  @Test
  void apiKeysComeFromAGeneratedSecretInTheirHashedForm() {
    Set<String> generated = new TreeSet<>();
    Map<String, String> secretEnv = new HashMap<>();
    for (JsonNode generator : kustomization.path("secretGenerator")) {
      generated.add(generator.path("name").asText());
      for (JsonNode envFile : generator.path("envs")) {
        secretEnv.putAll(envFile(base.resolve(envFile.asText())));
      }
    }
    for (JsonNode deployment : ofKind("Deployment")) {
      for (JsonNode ref : containers(deployment).get(0).path("envFrom")) {
        if (ref.has("secretRef")) {
          assertThat(generated).contains(ref.at("/secretRef/name").asText());
        }
      }
    }
    String keys = secretEnv.get("FLYWHEEL_INGEST_API_KEYS");
    assertThat(keys).isNotBlank();
    for (String entry : keys.split(",")) {
      assertThat(entry.trim()).matches("[A-Za-z0-9._-]+:(app|admin):[0-9a-f]{64}");
    }
  }

  @Test
  void artifactsVolumeIsSharedAtTheSamePathByWritersAndReaders() {
    for (ServiceSpecs service :
        List.of(ServiceSpecs.INGEST, ServiceSpecs.TRAINER, ServiceSpecs.EVALUATOR)) {
      JsonNode deployment = flywheelDeployments().get(service);
      JsonNode mount =
          StreamSupport.stream(
                  containers(deployment).get(0).path("volumeMounts").spliterator(), false)
              .filter(m -> m.path("name").asText().equals("artifacts"))
              .findFirst()
              .orElseThrow(() -> new AssertionError(describe(deployment) + " mounts no artifacts"));
      assertThat(mount.path("mountPath").asText()).isEqualTo("/var/lib/flywheel/artifacts");
    }
    assertThat(
            environment(containers(flywheelDeployments().get(ServiceSpecs.TRAINER)).get(0))
                .get("FLYWHEEL_ARTIFACTS_URI"))
        .isEqualTo("file:/var/lib/flywheel/artifacts");
  }

  @Test
  void exampleOverlayReferencesFilesAndResourcesThatExist() {
    Path overlay = InfraFiles.infra().resolve("kubernetes/overlays/example");
    JsonNode k = InfraFiles.yaml(overlay.resolve("kustomization.yaml"));
    for (JsonNode resource : k.path("resources")) {
      Path path = overlay.resolve(resource.asText()).normalize();
      assertThat(
              Files.isRegularFile(path) || Files.isRegularFile(path.resolve("kustomization.yaml")))
          .as(resource.asText())
          .isTrue();
    }
    for (JsonNode generator : k.path("secretGenerator")) {
      for (JsonNode envFile : generator.path("envs")) {
        assertThat(overlay.resolve(envFile.asText())).isRegularFile();
      }
    }
    Set<String> baseImages = new TreeSet<>();
    ofKind("Deployment")
        .forEach(
            d ->
                containers(d).forEach(c -> baseImages.add(c.path("image").asText().split(":")[0])));
    for (JsonNode image : k.path("images")) {
      assertThat(baseImages).contains(image.path("name").asText());
    }
    for (JsonNode patch : k.path("patches")) {
      String kind = patch.at("/target/kind").asText();
      String name = patch.at("/target/name").asText();
      assertThat(ofKind(kind).stream().anyMatch(r -> r.at("/metadata/name").asText().equals(name)))
          .as("patch target " + kind + "/" + name)
          .isTrue();
    }
  }

  /** Every variable the container gets: env entries and the keys of its envFrom sources. */
  private static Map<String, String> environment(JsonNode container) {
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode from : container.path("envFrom")) {
      if (from.has("configMapRef")) {
        JsonNode map = named("ConfigMap", from.at("/configMapRef/name").asText());
        map.path("data").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
      } else if (from.has("secretRef")) {
        for (JsonNode generator : kustomization.path("secretGenerator")) {
          if (generator.path("name").asText().equals(from.at("/secretRef/name").asText())) {
            generator.path("envs").forEach(f -> env.putAll(envFile(base.resolve(f.asText()))));
          }
        }
      }
    }
    for (JsonNode variable : container.path("env")) {
      env.put(
          variable.path("name").asText(),
          variable.has("value") ? variable.path("value").asText() : "$(valueFrom)");
    }
    return env;
  }

  private static Map<String, String> envFile(Path file) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : InfraFiles.read(file).split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        int eq = line.indexOf('=');
        env.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
      }
    }
    return env;
  }

  private static Map<ServiceSpecs, JsonNode> flywheelDeployments() {
    Map<ServiceSpecs, JsonNode> byService = new LinkedHashMap<>();
    for (JsonNode deployment : ofKind("Deployment")) {
      String component =
          deployment.at("/spec/template/metadata/labels/app.kubernetes.io~1component").asText();
      for (ServiceSpecs service : ServiceSpecs.values()) {
        if (service.service().equals(component)) {
          byService.put(service, deployment);
        }
      }
    }
    return byService;
  }

  private static List<JsonNode> containers(JsonNode deployment) {
    List<JsonNode> list = new ArrayList<>();
    deployment.at("/spec/template/spec/containers").forEach(list::add);
    assertThat(list).as(describe(deployment)).isNotEmpty();
    return list;
  }

  /** The container port a probe or Service port names, by name or number. */
  private static Optional<Integer> port(JsonNode container, JsonNode reference) {
    if (reference.isMissingNode() || reference.isNull()) {
      return Optional.empty();
    }
    if (reference.isInt()) {
      int number = reference.asInt();
      return StreamSupport.stream(container.path("ports").spliterator(), false)
          .map(p -> p.path("containerPort").asInt())
          .filter(p -> p == number)
          .findFirst();
    }
    return namedPort(container, reference.asText());
  }

  private static Optional<Integer> namedPort(JsonNode container, String name) {
    return StreamSupport.stream(container.path("ports").spliterator(), false)
        .filter(p -> p.path("name").asText().equals(name))
        .map(p -> p.path("containerPort").asInt())
        .findFirst();
  }

  private static boolean selects(JsonNode selector, JsonNode labels) {
    if (!selectsLabels(selector.path("matchLabels"), labels)) {
      return false;
    }
    for (JsonNode expression : selector.path("matchExpressions")) {
      String value = labels.path(expression.path("key").asText()).asText(null);
      List<String> values = new ArrayList<>();
      expression.path("values").forEach(v -> values.add(v.asText()));
      switch (expression.path("operator").asText()) {
        case "In" -> {
          if (value == null || !values.contains(value)) {
            return false;
          }
        }
        case "Exists" -> {
          if (value == null) {
            return false;
          }
        }
        default -> throw new AssertionError("unsupported operator in " + expression);
      }
    }
    return true;
  }

  private static boolean selectsLabels(JsonNode matchLabels, JsonNode labels) {
    boolean[] all = {true};
    matchLabels
        .fields()
        .forEachRemaining(
            e -> all[0] &= e.getValue().asText().equals(labels.path(e.getKey()).asText(null)));
    return all[0];
  }

  private static List<JsonNode> ofKind(String kind) {
    return resources.stream().filter(r -> kind.equals(r.path("kind").asText())).toList();
  }

  private static JsonNode named(String kind, String name) {
    return ofKind(kind).stream()
        .filter(r -> name.equals(r.at("/metadata/name").asText()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " named " + name));
  }

  private static String describe(JsonNode resource) {
    return resource.path("kind").asText() + "/" + resource.at("/metadata/name").asText();
  }
}
