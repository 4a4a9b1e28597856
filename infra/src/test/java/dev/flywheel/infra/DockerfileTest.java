package dev.flywheel.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docker/Dockerfile builds one image per service from the platform's thin jar, each configured only
 * by variables its service reads, health-checked on the management port it listens on, run as an
 * unprivileged user, with DJL offline on one thread and the right libtorch.
 */
class DockerfileTest {
  /** Image target to the service it runs. */
  private static final Map<String, ServiceSpecs> TARGETS =
      Map.of(
          "ingest", ServiceSpecs.INGEST,
          "feedback", ServiceSpecs.FEEDBACK,
          "trainer", ServiceSpecs.TRAINER,
          "evaluator", ServiceSpecs.EVALUATOR,
          "trainer-gpu", ServiceSpecs.TRAINER);

  /** Variables the images set for the JVM, DJL and the NVIDIA runtime, not for Flywheel. */
  private static final Set<String> RUNTIME_ENV =
      Set.of(
          "JAVA_OPTS",
          "DJL_OFFLINE",
          "DJL_CACHE_DIR",
          "PYTORCH_LIBRARY_PATH",
          "PYTORCH_VERSION",
          "PYTORCH_FLAVOR",
          "NVIDIA_VISIBLE_DEVICES",
          "NVIDIA_DRIVER_CAPABILITIES");

  private static Dockerfile dockerfile;

  @BeforeAll
  static void parse() {
    dockerfile = Dockerfile.parse(InfraFiles.docker().resolve("Dockerfile"));
  }

  @Test
  void everyTargetRunsItsServiceFromThePlatformJar() {
    TARGETS.forEach(
        (target, service) ->
            assertThat(dockerfile.inherited(target, "CMD"))
                .as(target)
                .contains("[\"service\", \"" + service.service() + "\"]"));
    String entrypoint = dockerfile.inherited("ingest", "ENTRYPOINT").orElseThrow();
    assertThat(entrypoint).contains("java $JAVA_OPTS -jar /opt/flywheel/flywheel.jar");
    // Replicas must not share transactional ids: the instance id defaults to the host name.
    assertThat(entrypoint).contains("FLYWHEEL_INSTANCE_ID=\\\"${FLYWHEEL_INSTANCE_ID:-${HOSTNAME");
    String build = String.join("\n", dockerfile.stage("build").all("RUN"));
    assertThat(build).contains("-DskipTests").contains("package -pl platform -am");
    String app = String.join("\n", dockerfile.stage("app").all("RUN"));
    assertThat(app).contains("platform/target/flywheel.jar").contains("platform/target/lib");
  }

  @Test
  void targetsSetOnlyVariablesTheirServiceReads() {
    TARGETS.forEach(
        (target, service) -> {
          List<String> problems = new ArrayList<>();
          for (String variable : dockerfile.environment(target).keySet()) {
            if (!RUNTIME_ENV.contains(variable)) {
              service.problemWith(variable).ifPresent(problems::add);
            }
          }
          assertThat(problems).as(target).isEmpty();
        });
  }

  @Test
  void healthCheckAsksTheManagementPortTheImageExposes() {
    TARGETS.forEach(
        (target, service) -> {
          Map<String, String> env = dockerfile.environment(target);
          int management = service.managementPort(env);
          assertThat(env).as(target).containsKey(service.managementPortVariable());
          assertThat(dockerfile.inherited(target, "HEALTHCHECK").orElseThrow())
              .as(target)
              .contains("flywheel-healthcheck \"$" + service.managementPortVariable() + "\"");
          List<String> exposed =
              List.of(dockerfile.inherited(target, "EXPOSE").orElseThrow().split("\\s+"));
          assertThat(exposed).as(target).contains(Integer.toString(management));
          service
              .httpPort(env)
              .ifPresent(http -> assertThat(exposed).as(target).contains(Integer.toString(http)));
        });
    Path script = InfraFiles.docker().resolve("healthcheck.sh");
    assertThat(script).isRegularFile();
    assertThat(Files.isExecutable(script)).isTrue();
    assertThat(InfraFiles.read(script)).contains("/health/live");
  }

  @Test
  void imagesRunAsAnUnprivilegedUser() {
    for (String target : TARGETS.keySet()) {
      String user = dockerfile.inherited(target, "USER").orElseThrow();
      assertThat(user).as(target).doesNotStartWith("0").doesNotStartWith("root");
    }
  }

  @Test
  void djlRunsOfflineOnOneThread() {
    for (String target : TARGETS.keySet()) {
      Map<String, String> env = dockerfile.environment(target);
      assertThat(env).as(target).containsEntry("DJL_OFFLINE", "true");
      assertThat(env.get("JAVA_OPTS"))
          .as(target)
          .contains("-Dai.djl.offline=true")
          .contains("-Dai.djl.pytorch.num_threads=1");
    }
  }

  @Test
  void libtorchIsTheVersionTheBuildPinsCpuOrCuda128() {
    String pom = InfraFiles.read(InfraFiles.root().resolve("pom.xml"));
    Matcher pinned = Pattern.compile("<pytorch.version>([^<]+)</pytorch.version>").matcher(pom);
    assertThat(pinned.find()).as("the parent pom pins pytorch.version").isTrue();
    String version = pinned.group(1);

    for (String target : List.of("ingest", "feedback", "trainer", "evaluator")) {
      Map<String, String> env = dockerfile.environment(target);
      assertThat(env).as(target).containsEntry("PYTORCH_FLAVOR", "cpu");
      assertThat(env).as(target).containsEntry("PYTORCH_VERSION", version);
      assertThat(env.get("PYTORCH_LIBRARY_PATH")).as(target).isNotBlank();
    }
    Map<String, String> gpu = dockerfile.environment("trainer-gpu");
    assertThat(gpu).containsEntry("PYTORCH_FLAVOR", "cu128");
    assertThat(gpu).containsEntry("PYTORCH_VERSION", version);
    assertThat(gpu).containsEntry("FLYWHEEL_TRAINER_DEVICE", "gpu");
    assertThat(gpu.get("PYTORCH_LIBRARY_PATH")).startsWith("/opt/libtorch-cu128");
    Dockerfile.Stage cuda = dockerfile.stage("libtorch-cu128");
    assertThat(String.join("\n", cuda.all("ARG")))
        .contains("https://download.pytorch.org/libtorch/cu128/")
        .contains("-" + version + "%2Bcu128.zip");
    assertThat(String.join("\n", cuda.all("RUN"))).contains("build-version");
  }

  @Test
  void baseImagesArePinned() {
    for (Dockerfile.Stage stage : dockerfile.stages().values()) {
      if (dockerfile.stages().containsKey(stage.from())) {
        continue;
      }
      String image = dockerfile.baseImage(stage);
      assertThat(Images.problemWith(image)).as("stage " + stage.name() + ": " + image).isEmpty();
    }
  }

  @Test
  void buildContextKeepsEveryModuleOfTheReactor() {
    String ignore = InfraFiles.read(InfraFiles.docker().resolve("Dockerfile.dockerignore"));
    String pom = InfraFiles.read(InfraFiles.root().resolve("pom.xml"));
    Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(pom);
    List<String> ignored =
        ignore.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    while (module.find()) {
      assertThat(ignored).as("Maven needs every module folder").doesNotContain(module.group(1));
    }
    assertThat(ignored).contains("**/target", ".git");
  }
}
