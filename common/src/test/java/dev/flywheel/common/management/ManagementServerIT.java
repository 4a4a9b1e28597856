package dev.flywheel.common.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.flywheel.common.config.ClientType;
import dev.flywheel.common.kafka.KafkaClients;
import dev.flywheel.common.kafka.KafkaHealthChecks;
import dev.flywheel.common.kafka.StreamsService;
import dev.flywheel.common.lifecycle.ServiceRunner;
import dev.flywheel.common.metrics.Metrics;
import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management server and the Kafka client factories against the real embedded broker: readiness
 * follows the cluster, the topics and Kafka Streams; the scrape carries Kafka client and Streams
 * metrics; the durable, transactional and read_committed clients work end to end.
 */
@ExtendWith(EmbeddedInfraExtension.class)
@Timeout(120)
class ManagementServerIT {
  private static final Duration CHECK = Duration.ofSeconds(5);

  private final EmbeddedInfra infra;
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final PrometheusMeterRegistry registry = Metrics.newRegistry();
  private final HealthChecks health = new HealthChecks();
  private String prefix;
  private KafkaClients clients;
  private Admin admin;
  private ManagementServer server;
  private Vertx clientVertx;
  private WebClient web;

  ManagementServerIT(EmbeddedInfra infra) {
    this.infra = infra;
  }

  @BeforeEach
  void setUp(@TempDir Path stateDir) throws Exception {
    prefix = infra.newTopicPrefix();
    Map<String, Object> common = Map.of("bootstrap.servers", infra.bootstrapServers());
    clients =
        new KafkaClients(
            "it",
            Map.of(
                ClientType.PRODUCER, common,
                ClientType.CONSUMER, common,
                ClientType.STREAMS, Map.of("bootstrap.servers", infra.bootstrapServers()),
                ClientType.ADMIN, common),
            1,
            stateDir,
            "0");
    admin = track(clients.admin("health"));
    track(Metrics.bind(registry, admin));
    server =
        ManagementServer.builder()
            .host("127.0.0.1")
            .registry(registry)
            .health(health)
            .checkTimeout(Duration.ofSeconds(8))
            .build();
    server.start();
    clientVertx = Vertx.vertx();
    web = WebClient.create(clientVertx);
  }

  @AfterEach
  void tearDown() throws Exception {
    web.close();
    clientVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    server.close();
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private <T extends AutoCloseable> T track(T resource) {
    resources.add(resource);
    return resource;
  }

  private HttpResponse<Buffer> get(String path) throws Exception {
    return web.get(server.port(), "127.0.0.1", path)
        .send()
        .toCompletionStage()
        .toCompletableFuture()
        .get(15, TimeUnit.SECONDS);
  }

  private void createTopics(String... names) throws Exception {
    List<NewTopic> topics = new ArrayList<>();
    for (String name : names) {
      topics.add(new NewTopic(name, 1, (short) 1));
    }
    admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
  }

  @Test
  void shouldBecomeReadyOnceTheClusterAnswersAndEveryTopicExists() throws Exception {
    String feedback = prefix + "feedback";
    String predictions = prefix + "predictions";
    createTopics(feedback);
    health
        .readiness("kafka", KafkaHealthChecks.clusterReachable(admin, CHECK))
        .readiness(
            "topics", KafkaHealthChecks.topicsExist(admin, List.of(feedback, predictions), CHECK));

    HttpResponse<Buffer> missing = get("/health/ready");
    createTopics(predictions);
    HttpResponse<Buffer> ready = get("/health/ready");

    assertThat(missing.statusCode()).isEqualTo(503);
    JsonObject missingBody = missing.bodyAsJsonObject();
    assertThat(missingBody.getJsonArray("checks").getJsonObject(0).getString("detail"))
        .isEqualTo("1 broker");
    assertThat(missingBody.getJsonArray("checks").getJsonObject(1).getString("detail"))
        .isEqualTo("missing topics [" + predictions + "]");
    assertThat(ready.statusCode()).isEqualTo(200);
  }

  @Test
  void shouldScrapeKafkaProducerMetricsOfABoundProducer() throws Exception {
    String topic = prefix + "events";
    createTopics(topic);
    KafkaProducer<String, String> producer =
        track(clients.producer("events", new StringSerializer(), new StringSerializer()));
    track(Metrics.bind(registry, producer, Tag.of("service", "it")));

    Timer sendLatency =
        Metrics.latencyTimer("it", "send.duration", "time to an acknowledged send")
            .register(registry);
    sendLatency.recordCallable(
        () -> producer.send(new ProducerRecord<>(topic, "k", "v")).get(30, TimeUnit.SECONDS));
    String scrape = get("/metrics").bodyAsString();

    assertThat(scrape)
        .contains("jvm_memory_used_bytes")
        .contains("flywheel_it_send_duration_seconds_bucket{le=\"+Inf\"} 1");
    assertThat(scrape).contains("kafka_admin_client_");
    assertThat(metricValue(scrape, "kafka_producer_record_send_total", "flywheel-it-events-0"))
        .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1.0));
  }

  @Test
  void shouldDeliverThroughTheTransactionalProducerToTheReadCommittedConsumer() throws Exception {
    String topic = prefix + "candidates";
    createTopics(topic);
    KafkaProducer<String, String> transactional =
        track(
            clients.transactionalProducer(
                "candidates", prefix + "tx", new StringSerializer(), new StringSerializer()));
    KafkaProducer<String, String> durable =
        track(clients.producer("plain", new StringSerializer(), new StringSerializer()));
    transactional.initTransactions();
    transactional.beginTransaction();
    transactional.send(new ProducerRecord<>(topic, "m", "aborted"));
    transactional.abortTransaction();
    transactional.beginTransaction();
    transactional.send(new ProducerRecord<>(topic, "m", "committed"));
    transactional.commitTransaction();
    durable.send(new ProducerRecord<>(topic, "m", "durable")).get(30, TimeUnit.SECONDS);
    KafkaConsumer<String, String> consumer =
        track(
            clients.consumer(
                "reader", infra.newGroupId(), new StringDeserializer(), new StringDeserializer()));
    consumer.subscribe(List.of(topic));

    List<String> values = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                values.add(r.value());
              }
              assertThat(values).containsExactly("committed", "durable");
            });
  }

  @Test
  void shouldBeReadyWhenStreamsRunsAndScrapeItsMetrics() throws Exception {
    String in = prefix + "in";
    String out = prefix + "out";
    createTopics(in, out);
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(in, Consumed.with(Serdes.String(), Serdes.String()))
        .to(out, Produced.with(Serdes.String(), Serdes.String()));
    KafkaStreams streams = new KafkaStreams(builder.build(), clients.streamsConfig(prefix + "app"));
    List<Throwable> fatal = new ArrayList<>();
    StreamsService service =
        track(
            new StreamsService(
                "pass-through",
                streams,
                Duration.ofSeconds(60),
                Duration.ofSeconds(10),
                fatal::add));
    track(Metrics.bind(registry, streams));
    health.readiness("kafka-streams", KafkaHealthChecks.streamsRunning(streams));
    health.liveness("kafka-streams", KafkaHealthChecks.streamsAlive(streams));

    HttpResponse<Buffer> before = get("/health/ready");
    service.start();

    assertThat(before.statusCode()).isEqualTo(503);
    assertThat(
            before.bodyAsJsonObject().getJsonArray("checks").getJsonObject(0).getString("detail"))
        .isEqualTo("CREATED");
    assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
    HttpResponse<Buffer> after = get("/health/ready");
    assertThat(after.statusCode()).isEqualTo(200);
    assertThat(after.bodyAsJsonObject().getJsonArray("checks").getJsonObject(0).getString("detail"))
        .isEqualTo("RUNNING");
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    assertThat(get("/metrics").bodyAsString()).contains("kafka_stream_");
    assertThat(fatal).isEmpty();
  }

  @Test
  void shouldFailTheStartAndReportWhenStreamsDiesBeforeRunning() throws Exception {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(prefix + "never-created", Consumed.with(Serdes.String(), Serdes.String()))
        .to(prefix + "sink", Produced.with(Serdes.String(), Serdes.String()));
    KafkaStreams streams =
        new KafkaStreams(builder.build(), clients.streamsConfig(prefix + "doomed"));
    List<Throwable> fatal = new java.util.concurrent.CopyOnWriteArrayList<>();
    StreamsService service =
        track(
            new StreamsService(
                "doomed", streams, Duration.ofSeconds(60), Duration.ofSeconds(10), fatal::add));

    assertThatThrownBy(service::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("doomed failed before reaching RUNNING");
    assertThat(fatal).isNotEmpty();
  }

  @Test
  void shouldRunTheManagementServerUnderTheRunner() throws Exception {
    ManagementServer managed =
        ManagementServer.builder().host("127.0.0.1").registry(registry).health(health).build();
    ServiceRunner runner = ServiceRunner.builder("it").add(managed).exit(code -> {}).build();

    runner.start();
    HttpResponse<Buffer> live =
        web.get(managed.port(), "127.0.0.1", "/health/live")
            .send()
            .toCompletionStage()
            .toCompletableFuture()
            .get(15, TimeUnit.SECONDS);
    runner.close();

    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(runner.awaitClosed(Duration.ofSeconds(5))).isTrue();
  }

  private static Optional<Double> metricValue(String scrape, String name, String clientId) {
    Pattern line =
        Pattern.compile(
            "^" + name + "\\{[^}]*client_id=\"" + Pattern.quote(clientId) + "\"[^}]*} (\\S+)$",
            Pattern.MULTILINE);
    Matcher m = line.matcher(scrape);
    return m.find() ? Optional.of(Double.parseDouble(m.group(1))) : Optional.empty();
  }
}
