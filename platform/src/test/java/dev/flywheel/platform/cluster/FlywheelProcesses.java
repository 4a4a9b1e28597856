package dev.flywheel.platform.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.embedded.FreePorts;
import dev.flywheel.infra.ClusterProfile;
import dev.flywheel.platform.FlywheelCli;
import dev.flywheel.slm.data.WordNetTopics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Flywheel on a {@link KafkaCluster}, every part its own process: the schema registry ({@code
 * flywheel registry}) and each service through {@code flywheel service <name>}, configured only by
 * {@code FLYWHEEL_*} variables as a deployment would be. Artifacts (bundles, checkpoints, base
 * weights) live in one shared store: a {@code file:} directory, or an S3 bucket ({@link Store#s3}).
 * {@link #close()} stops every process it started, by its own pid.
 */
public final class FlywheelProcesses implements AutoCloseable {
  /** The app key the gateways accept (its sha256 is configured, never the key). */
  public static final String APP_KEY = "cluster-app-key";

  /** The admin key the gateways accept. */
  public static final String ADMIN_KEY = "cluster-admin-key";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final KafkaCluster kafka;
  private final Path dir;
  private final Store store;
  private final List<ChildJvm> started = new ArrayList<>();
  private String registryUrl;

  /** A gateway process and the URL of its API. */
  public record Gateway(ChildJvm process, String url) {}

  /**
   * The artifact store every service shares: its root URI and the variables that reach it.
   *
   * @param uri the {@code artifacts.uri} of every service
   * @param env more variables for every service (an S3 endpoint and credentials)
   */
  public record Store(String uri, Map<String, String> env) {
    /** A directory on this machine. */
    public static Store file(Path root) {
      return new Store(root.toUri().toString(), Map.of());
    }

    /** A bucket of an S3-compatible server, reached with path-style requests. */
    public static Store s3(URI endpoint, String bucket, String accessKey, String secretKey) {
      return new Store(
          "s3://" + bucket + "/flywheel",
          Map.of(
              "FLYWHEEL_S3_ENDPOINT",
              endpoint.toString(),
              "FLYWHEEL_S3_REGION",
              "us-east-1",
              "AWS_ACCESS_KEY_ID",
              accessKey,
              "AWS_SECRET_ACCESS_KEY",
              secretKey));
    }
  }

  /** Processes sharing a {@code file:} store under {@code dir}. */
  public FlywheelProcesses(KafkaCluster kafka, Path dir) {
    this(kafka, dir, Store.file(dir.resolve("artifacts")));
  }

  /** Processes sharing {@code store}; logs, state and work directories under {@code dir}. */
  public FlywheelProcesses(KafkaCluster kafka, Path dir, Store store) {
    this.kafka = kafka;
    this.dir = dir;
    this.store = store;
  }

  /** Starts the schema registry on a replicated, compacted {@code _schemas} topic. */
  public String startRegistry() throws IOException, InterruptedException {
    kafka.createTopic("_schemas", 1, Map.of("cleanup.policy", "compact"));
    int port = FreePorts.pick();
    ChildJvm registry =
        start(
            "registry",
            List.of(
                "registry",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--port",
                Integer.toString(port)),
            "256m",
            Map.of());
    registryUrl = "http://" + KafkaCluster.HOST + ":" + port;
    awaitHttp(registry, registryUrl + "/subjects", null, Duration.ofMinutes(1));
    return registryUrl;
  }

  public String registryUrl() {
    return registryUrl;
  }

  /** Starts a gateway ({@code flywheel service ingest}) and waits until its API answers. */
  public Gateway startGateway(String name) throws IOException, InterruptedException {
    int port = FreePorts.pick();
    Map<String, String> env = new HashMap<>();
    env.put("FLYWHEEL_INGEST_HTTP_PORT", Integer.toString(port));
    env.put("FLYWHEEL_INGEST_MANAGEMENT_PORT", "0");
    env.put("FLYWHEEL_INGEST_API_KEYS", apiKeys());
    env.put("FLYWHEEL_ARTIFACTS_URI", artifactsUri());
    ChildJvm process = start(name, List.of("service", "ingest"), "768m", env);
    String url = "http://" + KafkaCluster.HOST + ":" + port;
    awaitHttp(process, url + "/v1/models", ADMIN_KEY, Duration.ofMinutes(2));
    return new Gateway(process, url);
  }

  /** Starts a killed gateway again on its port and waits until its API answers. */
  public void restart(Gateway gateway) throws IOException, InterruptedException {
    gateway.process().start();
    awaitHttp(gateway.process(), gateway.url() + "/v1/models", ADMIN_KEY, Duration.ofMinutes(2));
  }

  /** Starts a feedback-service instance (Kafka Streams, one standby replica of its state). */
  public ChildJvm startFeedback(String name) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("FLYWHEEL_FEEDBACK_HTTP_PORT", "0");
    env.put("FLYWHEEL_FEEDBACK_MANAGEMENT_PORT", "0");
    env.put("FLYWHEEL_FEEDBACK_API_KEYS", apiKeys());
    env.put("FLYWHEEL_STREAMS_STATE_DIR", dir.resolve("state").resolve(name).toString());
    env.putAll(ClusterProfile.streamsSettings());
    return start(name, List.of("service", "feedback"), "768m", env);
  }

  /** Starts a trainer process with one worker; its worker is named {@code <name>-0}. */
  public ChildJvm startTrainer(String name) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("FLYWHEEL_TRAINER_MANAGEMENT_PORT", "0");
    env.put("FLYWHEEL_TRAINER_WORKERS", "1");
    env.put("FLYWHEEL_TRAINER_DEVICE", "cpu");
    env.put("FLYWHEEL_TRAINER_WORK_DIR", dir.resolve("work").resolve(name).toString());
    env.put("FLYWHEEL_ARTIFACTS_URI", artifactsUri());
    return start(name, List.of("service", "trainer"), "1g", env);
  }

  /** Starts the evaluator; it reads bundles straight from their {@code file:} URIs. */
  public ChildJvm startEvaluator(String name) throws IOException {
    return startEvaluator(name, Map.of());
  }

  /** As {@link #startEvaluator(String)}, with more environment variables. */
  public ChildJvm startEvaluator(String name, Map<String, String> more) throws IOException {
    Map<String, String> env = new HashMap<>(more);
    env.put("FLYWHEEL_EVALUATOR_MANAGEMENT_PORT", "0");
    env.put("FLYWHEEL_ARTIFACTS_URI", artifactsUri());
    env.put("FLYWHEEL_STREAMS_STATE_DIR", dir.resolve("state").resolve(name).toString());
    return start(name, List.of("service", "evaluator"), "1g", env);
  }

  /**
   * The spec of a small bag model over the WordNet 8 topics that trains only when asked (its
   * trigger needs a million new examples) and is released when it beats 30 % accuracy.
   */
  public static Map<String, Object> topicsSpec(int epochs) {
    Map<String, Object> hyperparameters = new HashMap<>();
    hyperparameters.put("epochs", epochs);
    hyperparameters.put("patience", 0);
    hyperparameters.put("embeddingDim", 16);
    hyperparameters.put("bigrams", false);
    return Map.of(
        "labels",
        WordNetTopics.labels(WordNetTopics.Variant.TOPICS_8),
        "architecture",
        "bag",
        "hyperparameters",
        hyperparameters,
        "holdout_share",
        0.2,
        "trigger",
        Map.of("min_new_examples", 1_000_000),
        "gate",
        Map.of("min_accuracy", 0.3, "require_significance", false, "rollback_enabled", false));
  }

  /** An admin call to a gateway's API with a JSON body; throws unless it answers 2xx. */
  public static JsonNode admin(String gateway, String method, String path, Object body)
      throws IOException, InterruptedException {
    return call(gateway, ADMIN_KEY, method, path, body);
  }

  /** A call to a gateway's API with {@code key} and a JSON body; throws unless it answers 2xx. */
  public static JsonNode call(String gateway, String key, String method, String path, Object body)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(gateway + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException(
          method + " " + path + ": " + response.statusCode() + " " + response.body());
    }
    return JSON.readTree(response.body());
  }

  private ChildJvm start(String name, List<String> args, String heap, Map<String, String> own)
      throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    if (registryUrl != null) {
      env.put("FLYWHEEL_SCHEMA_REGISTRY_URL", registryUrl);
    }
    env.putAll(ClusterProfile.serviceSettings());
    env.put("FLYWHEEL_INSTANCE_ID", name);
    env.putAll(store.env());
    env.putAll(own);
    ChildJvm process =
        ChildJvm.start(name, FlywheelCli.class.getName(), args, heap, env, dir.resolve("logs"));
    started.add(process);
    return process;
  }

  private String artifactsUri() {
    return store.uri();
  }

  private static String apiKeys() {
    return "cluster-app:app:" + sha256(APP_KEY) + ",cluster-ops:admin:" + sha256(ADMIN_KEY);
  }

  private static String sha256(String key) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void awaitHttp(ChildJvm process, String url, String key, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(process + " exited during start-up:\n" + process.tail(40));
      }
      try {
        HttpRequest.Builder request =
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET();
        if (key != null) {
          request.header("Authorization", "Bearer " + key);
        }
        if (HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode()
            == 200) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(
        process + " did not answer " + url + " within " + timeout + ":\n" + process.tail(40));
  }

  /** Stops every process started here, in reverse order, each by its own pid. */
  @Override
  public void close() throws InterruptedException {
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).close();
    }
  }
}
