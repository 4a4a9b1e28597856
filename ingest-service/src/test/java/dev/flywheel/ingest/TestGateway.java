package dev.flywheel.ingest;

import dev.flywheel.common.auth.ApiKeys;
import dev.flywheel.common.auth.Role;
import dev.flywheel.schemas.RegistryConfig;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.Topics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/** A started gateway against a real broker and registry, with an HTTP client and topic helpers. */
final class TestGateway implements AutoCloseable {
  static final String APP_KEY = "app-secret-key-1";
  static final String OTHER_APP_KEY = "app-secret-key-2";
  static final String ADMIN_KEY = "admin-secret-key-1";

  final IngestService service;
  final Topics topics;
  final String bootstrapServers;
  final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final SchemaRegistryClient registry;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private TestGateway(
      String bootstrapServers, String registryUrl, String prefix, Map<String, String> extra)
      throws Exception {
    this.bootstrapServers = bootstrapServers;
    Map<String, String> props = new HashMap<>();
    props.put("kafka.bootstrap.servers", bootstrapServers);
    props.put("schema.registry.url", registryUrl);
    props.put("topics.prefix", prefix);
    props.put("topics.replication.factor", "1");
    props.put("ingest.http.port", "0");
    props.put("ingest.http.host", "127.0.0.1");
    props.put("ingest.management.port", "0");
    props.put(
        "ingest.api.keys",
        String.join(
            ",",
            ApiKeys.entry("shop", Role.APP, APP_KEY),
            ApiKeys.entry("blog", Role.APP, OTHER_APP_KEY),
            ApiKeys.entry("ops", Role.ADMIN, ADMIN_KEY)));
    props.putAll(extra);
    IngestConfig config = IngestConfig.from(IngestConfig.SPEC.parse(Map.of(), props));
    this.registry = new SchemaRegistryClient(RegistryConfig.of(registryUrl));
    this.topics = Topics.create(prefix, registry);
    this.service = new IngestService(config, metrics);
    try {
      service.start();
    } catch (Exception e) {
      service.close();
      throw e;
    }
  }

  static TestGateway start(String bootstrapServers, String registryUrl, String prefix)
      throws Exception {
    return new TestGateway(bootstrapServers, registryUrl, prefix, Map.of());
  }

  static TestGateway start(
      String bootstrapServers, String registryUrl, String prefix, Map<String, String> extra)
      throws Exception {
    return new TestGateway(bootstrapServers, registryUrl, prefix, extra);
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + service.httpPort() + path);
  }

  HttpResponse<String> send(String method, String path, String key, byte[] body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String key, String json) throws Exception {
    return send("POST", path, key, json == null ? null : json.getBytes(StandardCharsets.UTF_8));
  }

  HttpResponse<String> put(String path, String key, String json) throws Exception {
    return send("PUT", path, key, json.getBytes(StandardCharsets.UTF_8));
  }

  HttpResponse<String> get(String path, String key) throws Exception {
    return send("GET", path, key, null);
  }

  HttpResponse<String> management(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.managementPort() + path))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpClient http() {
    return http;
  }

  static JsonObject json(HttpResponse<String> response) {
    return new JsonObject(response.body());
  }

  /** Every record of a topic so far, decoded through the registry. */
  <V> List<ConsumerRecord<String, V>> readAll(Topic<String, V> topic) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<String, V>> out = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer =
        new KafkaConsumer<>(
            props, topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer
          .partitionsFor(topic.name())
          .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("could not read " + topic.name() + " to its end");
        }
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  /** The sum of a topic's end offsets: how many records it ever received. */
  long endOffsetSum(Topic<?, ?> topic) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            props,
            new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer
          .partitionsFor(topic.name())
          .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** Writes events to a topic as another service would (acks=all). */
  <V> void produce(Topic<String, V> topic, String key, V value) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, V> producer =
        new KafkaProducer<>(
            props, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(topic.name(), key, value)).get();
    }
  }

  @Override
  public void close() {
    try {
      service.close();
    } finally {
      registry.close();
      metrics.close();
    }
  }
}
