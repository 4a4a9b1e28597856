package dev.flywheel.feedback;

import static dev.flywheel.feedback.TestEvents.example;
import static dev.flywheel.feedback.TestEvents.feedback;
import static dev.flywheel.feedback.TestEvents.policy;
import static dev.flywheel.feedback.TestEvents.prediction;
import static dev.flywheel.feedback.TestEvents.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.flywheel.common.auth.ApiKeys;
import dev.flywheel.common.auth.Role;
import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.events.FeedbackKind;
import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.QualityReport;
import dev.flywheel.events.RetrainReason;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.schemas.ExampleIds;
import dev.flywheel.schemas.Holdout;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.TopicEnsurer;
import dev.flywheel.schemas.Topics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The service against the embedded broker and registry: a realistic stream of predictions and
 * feedback, with the service stopped and started again in the middle; afterwards every example
 * exists exactly once and every count is exact.
 */
@ExtendWith(EmbeddedInfraExtension.class)
class FeedbackServiceIT {
  private static final String QUALITY_KEY = "quality-reader-key";
  private static final String MODEL = "sentiment";
  private static final String HEARTBEAT = "heartbeat";
  private static final List<String> LABELS = List.of("negative", "positive");
  private static final int PREDICTIONS = 300;
  private static final int SUBMITTED = 20;
  private static final int GHOSTS = 10;
  private static final int THRESHOLD = 40;
  private static final double HOLDOUT = 0.1;
  private static final FeedbackKind[] KINDS = {
    FeedbackKind.THUMBS_UP, FeedbackKind.CORRECTION, FeedbackKind.THUMBS_DOWN, FeedbackKind.COMMENT
  };

  private final EmbeddedInfra infra;
  private final HttpClient http = HttpClient.newHttpClient();
  private final Map<String, FeedbackReceived> sentFeedback = new HashMap<>();
  private SchemaRegistryClient registry;
  private Topics topics;
  private FeedbackConfig config;
  private Map<String, String> environment;
  private KafkaProducer<String, Object> producer;
  private Instant base;
  private int heartbeats;

  FeedbackServiceIT(EmbeddedInfra infra) {
    this.infra = infra;
  }

  @BeforeEach
  void setUp() throws Exception {
    String prefix = TopologyHarness.prefix(infra.newTopicPrefix());
    registry = SchemaRegistryClient.create(infra.registryUrl());
    topics = Topics.create(prefix, registry);
    Path stateDir = Files.createTempDirectory("feedback-it");
    Map<String, String> env = new HashMap<>();
    env.put("FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS", infra.bootstrapServers());
    env.put("FLYWHEEL_SCHEMA_REGISTRY_URL", infra.registryUrl());
    env.put("FLYWHEEL_TOPICS_PREFIX", prefix);
    env.put("FLYWHEEL_TOPICS_REPLICATION_FACTOR", "1");
    env.put("FLYWHEEL_STREAMS_STATE_DIR", stateDir.toString());
    env.put("FLYWHEEL_FEEDBACK_APPLICATION_ID", infra.newGroupId());
    env.put("FLYWHEEL_FEEDBACK_MANAGEMENT_PORT", "0");
    env.put("FLYWHEEL_FEEDBACK_HTTP_PORT", "0");
    env.put("FLYWHEEL_FEEDBACK_API_KEYS", ApiKeys.entry("ops", Role.APP, QUALITY_KEY));
    env.put("FLYWHEEL_FEEDBACK_JOIN_WINDOW", "10m");
    // Catching up after the restart reorders events by seconds: grace must cover that.
    env.put("FLYWHEEL_FEEDBACK_JOIN_GRACE", "30s");
    env.put("FLYWHEEL_FEEDBACK_QUALITY_GRACE", "10m");
    env.put("FLYWHEEL_FEEDBACK_TRIGGER_CHECK_INTERVAL", "1s");
    Map<String, String> file =
        Map.of(
            "kafka.streams.commit.interval.ms", "100",
            "kafka.streams.num.stream.threads", "1",
            // The restarted instance must not wait 45 s for the old member's session to expire.
            "kafka.streams.consumer.session.timeout.ms", "6000");
    environment = env;
    config = FeedbackConfig.from(FeedbackConfig.SPEC.parse(env, file));

    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    producer =
        new KafkaProducer<>(
            props, topics.feedback().keySerde().serializer(), new AnySerializer(topics));
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
      TopicEnsurer.ensure(admin, topics, (short) 1);
    }
    base = Instant.now().minus(Duration.ofHours(1));
  }

  @AfterEach
  void tearDown() {
    producer.close(Duration.ofSeconds(10));
    registry.close();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void shouldRefuseToStartWhenPredictionsAndFeedbackAreNotCoPartitioned() throws Exception {
    String prefix = TopologyHarness.prefix(infra.newTopicPrefix());
    Topics mismatched = Topics.create(prefix, registry);
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(
                      mismatched.feedback().name(),
                      mismatched.predictions().partitions() + 1,
                      (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    Map<String, String> env = new HashMap<>(environment);
    env.put("FLYWHEEL_TOPICS_PREFIX", prefix);
    FeedbackService service =
        new FeedbackService(
            FeedbackConfig.from(FeedbackConfig.SPEC.parse(env, Map.of())),
            newRegistry(),
            error -> {});
    try {
      assertThatThrownBy(service::start)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(mismatched.feedback().name() + " has ")
          .hasMessageContaining("give both the same count");
    } finally {
      service.close();
    }
  }

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void shouldProduceEveryExampleExactlyOnceAndExactCountsAcrossARestart() throws Exception {
    send(
        topics.modelSpecs(),
        MODEL,
        spec(MODEL, LABELS, HOLDOUT, policy(THRESHOLD, 0, false, 50, 0.05)),
        base);
    producer.flush();
    List<Throwable> fatal = new ArrayList<>();

    FeedbackService first = new FeedbackService(config, newRegistry(), fatal::add);
    first.start();
    sendStream(0, PREDICTIONS / 2, 0, GHOSTS / 2, 0, SUBMITTED / 2);
    // Corrections the first instance has read; they come again once it is gone, and the second
    // must find their idempotency ids in the store it starts from.
    List<Integer> repeated = new ArrayList<>();
    for (int i = 1; i < PREDICTIONS / 2; i += 12) {
      repeated.add(i);
    }
    try (KafkaConsumer<String, Object> consumer = consumer()) {
      consumer.subscribe(List.of(topics.examples().name()));
      Set<String> written = new HashSet<>();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                consumer
                    .poll(Duration.ofMillis(200))
                    .forEach(r -> written.add(((LabeledExample) r.value()).getExampleId()));
                return repeated.stream()
                    .allMatch(i -> written.contains(ExampleIds.of(MODEL, reviewText(i))));
              });
    }
    first.close();
    for (int i : repeated) {
      FeedbackReceived again = sentFeedback.get("p-" + i);
      send(topics.feedback(), "p-" + i, again, base.plusSeconds(i).plusMillis(600));
    }

    sendStream(PREDICTIONS / 2, PREDICTIONS, GHOSTS / 2, GHOSTS, SUBMITTED / 2, SUBMITTED);
    FeedbackService second = new FeedbackService(config, newRegistry(), fatal::add);
    second.start();
    try {
      Set<String> expectedExamples = expectedExampleIds();
      Outputs out = new Outputs();
      try (KafkaConsumer<String, Object> consumer = consumer()) {
        consumer.subscribe(
            List.of(
                topics.examples().name(),
                topics.deadLetters().name(),
                topics.quality().name(),
                topics.retrainRequests().name()));
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(
                () -> {
                  heartbeat();
                  out.add(consumer.poll(Duration.ofMillis(200)));
                  assertThat(out.summary())
                      .startsWith("examples>=true deadLetters>=true quality>=true");
                });
        // Whatever is still on its way would show up now as a duplicate.
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < until) {
          out.add(consumer.poll(Duration.ofMillis(200)));
        }
      }

      List<String> exampleKeys = out.examples.stream().map(LabeledExample::getExampleId).toList();
      assertThat(exampleKeys).doesNotHaveDuplicates();
      assertThat(new HashSet<>(exampleKeys)).isEqualTo(expectedExamples);
      assertThat(out.deadLetters).isEqualTo(GHOSTS);
      QualityCounts total = out.qualityTotal();
      int quarter = PREDICTIONS / 4;
      assertThat(total)
          .isEqualTo(
              new QualityCounts(PREDICTIONS, PREDICTIONS, quarter, quarter, quarter, quarter));
      long nonHoldout =
          expectedExamples.stream().filter(id -> !Holdout.isHoldout(id, HOLDOUT)).count();
      assertThat(out.requests)
          .hasSize((int) (nonHoldout / THRESHOLD))
          .allSatisfy(
              r -> {
                assertThat(r.getReason()).isEqualTo(RetrainReason.THRESHOLD);
                assertThat(r.getNewExamples()).isEqualTo(THRESHOLD);
              });
      assertThat(fatal).isEmpty();

      assertThat(get(second.managementPort(), "/health/ready").statusCode()).isEqualTo(200);
      assertThat(get(second.managementPort(), "/health/live").statusCode()).isEqualTo(200);
      assertThat(get(second.managementPort(), "/metrics").body())
          .contains("flywheel_feedback_examples_total")
          .contains("flywheel_feedback_dead_letters_total")
          .contains("flywheel_feedback_live_accuracy");
      HttpResponse<String> quality = get(second.qualityPort(), "/v1/quality/" + MODEL);
      assertThat(quality.statusCode()).isEqualTo(200);
      assertThat(quality.body()).contains("\"version\":1").contains("\"liveAccuracy\"");
      assertThat(get(second.qualityPort(), "/v1/quality/nobody").statusCode()).isEqualTo(404);
      HttpResponse<String> noKey =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:" + second.qualityPort() + "/v1/quality/" + MODEL))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(noKey.statusCode()).as("the quality API needs the gateway's keys").isEqualTo(401);
      assertThat(get(second.qualityPort(), "//v1/quality/" + MODEL).statusCode())
          .as("a non-canonical path")
          .isEqualTo(400);
    } finally {
      second.close();
    }
  }

  /** Predictions [from, to) with feedback, ghosts [g0, g1) and submitted examples [s0, s1). */
  private void sendStream(int from, int to, int g0, int g1, int s0, int s1) {
    for (int g = g0; g < g1; g++) {
      Instant at = base.plusSeconds(from + g);
      FeedbackReceived ghost =
          feedback(FeedbackKind.THUMBS_UP, "ghost-" + g, null, UUID.randomUUID().toString(), at);
      send(topics.feedback(), "ghost-" + g, ghost, at);
    }
    for (int s = s0; s < s1; s++) {
      Instant at = base.plusSeconds(from + s);
      send(topics.feedback(), "x" + s, example(MODEL, submittedText(s), "positive", at), at);
    }
    for (int i = from; i < to; i++) {
      Instant at = base.plusSeconds(i);
      String id = "p-" + i;
      String label = LABELS.get(i % 2);
      send(topics.predictions(), id, prediction(id, MODEL, 1, reviewText(i), label, at), at);
      FeedbackKind kind = KINDS[i % 4];
      String corrected = kind == FeedbackKind.CORRECTION ? LABELS.get((i + 1) % 2) : null;
      Instant later = at.plusMillis(500);
      FeedbackReceived fb = feedback(kind, id, corrected, "idem-" + i, later);
      sentFeedback.put(id, fb);
      send(topics.feedback(), id, fb, later);
      if (i % 10 == 0) {
        // The same idempotency id again: must count once.
        send(topics.feedback(), id, fb, later.plusMillis(100));
      }
    }
    producer.flush();
  }

  /**
   * A live system never goes quiet; Kafka Streams emits unmatched feedback when later feedback on
   * the same partition moves stream time past the window. Comments on another model provide it.
   */
  private void heartbeat() {
    for (int k = 0; k < 3; k++) {
      String id = "hb-" + heartbeats + "-" + k;
      Instant at = base.plusSeconds(PREDICTIONS + 5L * heartbeats);
      send(topics.predictions(), id, prediction(id, HEARTBEAT, 1, id, "positive", at), at);
      send(
          topics.feedback(),
          id,
          feedback(FeedbackKind.COMMENT, id, null, UUID.randomUUID().toString(), at),
          at);
    }
    heartbeats++;
    producer.flush();
  }

  private Set<String> expectedExampleIds() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < PREDICTIONS; i++) {
      if (KINDS[i % 4] != FeedbackKind.COMMENT) {
        ids.add(ExampleIds.of(MODEL, reviewText(i)));
      }
    }
    for (int s = 0; s < SUBMITTED; s++) {
      ids.add(ExampleIds.of(MODEL, submittedText(s)));
    }
    return ids;
  }

  private static String reviewText(int i) {
    return "review number " + i + " of the film";
  }

  private static String submittedText(int s) {
    return "submitted example " + s;
  }

  private <V> void send(Topic<String, V> topic, String key, V value, Instant at) {
    producer.send(new ProducerRecord<>(topic.name(), null, at.toEpochMilli(), key, value));
  }

  private KafkaConsumer<String, Object> consumer() {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, infra.newGroupId());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(
        props, topics.feedback().keySerde().deserializer(), new AnyDeserializer(topics));
  }

  private static PrometheusMeterRegistry newRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + QUALITY_KEY)
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** What the service wrote, as a read_committed consumer sees it. */
  private final class Outputs {
    final List<LabeledExample> examples = new ArrayList<>();
    final List<RetrainRequested> requests = new ArrayList<>();
    final Map<String, QualityReport> latestQuality = new HashMap<>();
    int deadLetters;

    void add(Iterable<ConsumerRecord<String, Object>> records) {
      for (ConsumerRecord<String, Object> record : records) {
        if (record.topic().equals(topics.examples().name())) {
          examples.add((LabeledExample) record.value());
        } else if (record.topic().equals(topics.deadLetters().name())) {
          deadLetters++;
        } else if (record.topic().equals(topics.quality().name())) {
          QualityReport report = (QualityReport) record.value();
          if (report.getModel().getModel().equals(MODEL)) {
            latestQuality.put(record.key() + "@" + report.getWindowStart(), report);
          }
        } else if (record.value() instanceof RetrainRequested request
            && request.getReason() != RetrainReason.MANUAL) {
          requests.add(request);
        }
      }
    }

    String summary() {
      QualityCounts total = qualityTotal();
      return "examples>="
          + (examples.size() >= PREDICTIONS * 3 / 4 + SUBMITTED)
          + " deadLetters>="
          + (deadLetters >= GHOSTS)
          + " quality>="
          + (total.predictions() >= PREDICTIONS && total.feedback() >= PREDICTIONS)
          + " ("
          + examples.size()
          + " examples, "
          + deadLetters
          + " dead letters, "
          + total
          + ")";
    }

    QualityCounts qualityTotal() {
      long p = 0;
      long f = 0;
      long c = 0;
      long k = 0;
      long d = 0;
      long m = 0;
      for (QualityReport r : latestQuality.values()) {
        p += r.getPredictions();
        f += r.getFeedback();
        c += r.getConfirmations();
        k += r.getCorrections();
        d += r.getThumbsDown();
        m += r.getComments();
      }
      return new QualityCounts(p, f, c, k, d, m);
    }
  }
}
