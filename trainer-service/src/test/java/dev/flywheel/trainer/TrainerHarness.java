package dev.flywheel.trainer;

import dev.flywheel.common.metrics.Metrics;
import dev.flywheel.common.snapshot.ExampleSnapshotReader;
import dev.flywheel.common.snapshot.TopicTail;
import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.events.ExampleSource;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.RetrainReason;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.schemas.ExampleIds;
import dev.flywheel.schemas.Holdout;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.TopicEnsurer;
import dev.flywheel.schemas.Topics;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.data.WordNetTopics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One test's installation on the shared embedded broker: its own topic prefix and group, helpers to
 * write specs, examples and requests, to start trainer services, and to read what they published.
 */
final class TrainerHarness implements AutoCloseable {
  static final List<String> LABELS = List.of("animal", "food", "person", "plant");
  static final Map<String, String> TINY =
      Map.of(
          "epochs", "2",
          "embeddingDim", "16",
          "maxVocab", "4000",
          "sequenceLength", "24",
          "bigrams", "false",
          "patience", "0",
          "batchSize", "32");
  private static List<Example> wordnet;

  final EmbeddedInfra infra;
  final SchemaRegistryClient registry;
  final Topics topics;
  final String groupId;
  final Path dir;
  private final KafkaProducer<byte[], byte[]> producer;
  private final List<TrainerService> services = new ArrayList<>();

  TrainerHarness(EmbeddedInfra infra, Path dir) {
    this(infra, dir, Map.of());
  }

  TrainerHarness(EmbeddedInfra infra, Path dir, Map<String, Integer> partitions) {
    this.infra = infra;
    this.dir = dir;
    this.registry = SchemaRegistryClient.create(infra.registryUrl());
    this.topics = Topics.create(infra.newTopicPrefix().replaceAll("-+$", ""), registry, partitions);
    this.groupId = infra.newGroupId();
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
      TopicEnsurer.ensure(admin, topics, (short) 1);
    }
    this.producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                // As in the evaluator's Fixture: topics were created a moment ago, and a batch
                // refused before the broker leads the partition must be retried before the next
                // one goes, or the broker sees the sequence numbers out of order (KAFKA-15591) and
                // the batch is dropped after the delivery timeout (a snapshot had 189 of 216).
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
                1),
            new ByteArraySerializer(),
            new ByteArraySerializer());
  }

  /** Real WordNet definitions: the first {@code perLabel} of each of {@link #LABELS}. */
  static synchronized List<Example> wordnet(int perLabel) {
    if (wordnet == null) {
      wordnet = WordNetTopics.load(WordNetTopics.Variant.TOPICS_8);
    }
    Map<String, Integer> taken = new HashMap<>();
    List<Example> chosen = new ArrayList<>();
    for (Example e : wordnet) {
      if (LABELS.contains(e.label()) && taken.merge(e.label(), 1, Integer::sum) <= perLabel) {
        chosen.add(e);
      }
    }
    return chosen;
  }

  TrainerConfig config(String instance, Map<String, String> overrides) {
    return TrainerConfig.fromEnv(env(instance, overrides));
  }

  /** The {@code FLYWHEEL_*} environment of a trainer in this installation. */
  Map<String, String> env(String instance, Map<String, String> overrides) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS", infra.bootstrapServers());
    env.put("FLYWHEEL_SCHEMA_REGISTRY_URL", infra.registryUrl());
    env.put("FLYWHEEL_TOPICS_PREFIX", topics.prefix());
    env.put("FLYWHEEL_TOPICS_REPLICATION_FACTOR", "1");
    env.put("FLYWHEEL_INSTANCE_ID", instance);
    env.put("FLYWHEEL_TRAINER_GROUP_ID", groupId);
    env.put("FLYWHEEL_ARTIFACTS_URI", dir.resolve("artifacts").toUri().toString());
    env.put("FLYWHEEL_TRAINER_WORK_DIR", dir.resolve("work-" + instance).toString());
    env.put("FLYWHEEL_TRAINER_DEVICE", "cpu");
    env.put("FLYWHEEL_TRAINER_MANAGEMENT_PORT", "0");
    env.put("FLYWHEEL_MANAGEMENT_HOST", "127.0.0.1");
    env.put("FLYWHEEL_TRAINER_PROGRESS_INTERVAL", "1s");
    env.put("FLYWHEEL_TRAINER_RETRY_BACKOFF", "100ms");
    env.put("FLYWHEEL_TRAINER_MIN_EXAMPLES", "20");
    env.put("FLYWHEEL_TRAINER_SHUTDOWN_TIMEOUT", "30s");
    env.putAll(overrides);
    return env;
  }

  /** Starts a trainer service (instance name {@code instance}); the harness closes it. */
  TrainerService start(String instance, Map<String, String> overrides) throws Exception {
    TrainerService service = new TrainerService(config(instance, overrides), Metrics.newRegistry());
    services.add(service);
    service.start();
    return service;
  }

  /** GETs a management path of a service: the status code and the body. */
  HttpResponse<String> management(TrainerService service, String path) throws Exception {
    int port = service.managementPort();
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
  }

  void stop(TrainerService service) throws Exception {
    services.remove(service);
    service.close();
  }

  void spec(String model, List<String> labels, String architecture, Map<String, String> hp) {
    ModelSpec spec =
        ModelSpec.newBuilder()
            .setName(model)
            .setLabels(labels)
            .setArchitecture(architecture)
            .setHyperparameters(hp)
            .setHoldoutShare(0.1)
            .setUpdatedAt(Instant.now())
            .build();
    send(topics.modelSpecs(), model, spec);
  }

  /**
   * Writes the examples as the feedback service would (id from the normalised text, holdout by id
   * hash) and returns the latest one per id, as the compacted topic keeps them.
   */
  List<LabeledExample> examples(String model, List<Example> examples, float weight) {
    Map<String, LabeledExample> written = new LinkedHashMap<>();
    for (Example e : examples) {
      String id = ExampleIds.of(model, e.text());
      LabeledExample value =
          LabeledExample.newBuilder()
              .setExampleId(id)
              .setModel(model)
              .setText(e.text())
              .setLabel(e.label())
              .setSource(ExampleSource.SUBMITTED)
              .setWeight(weight)
              .setHoldout(Holdout.isHoldout(id, 0.1))
              .setTimestamp(Instant.now())
              .build();
      producer.send(
          new ProducerRecord<>(
              topics.examples().name(),
              topics.examples().keySerde().serializer().serialize(topics.examples().name(), id),
              topics
                  .examples()
                  .valueSerde()
                  .serializer()
                  .serialize(topics.examples().name(), value)));
      written.put(id, value);
    }
    producer.flush();
    return List.copyOf(written.values());
  }

  String request(String model, boolean fromScratch) {
    return requests(model, fromScratch).get(0);
  }

  /** A manual request that asks to train even if the examples have not changed. */
  String forcedRequest(String model) {
    String id = send(model, false, true);
    producer.flush();
    return id;
  }

  /** Sends one request per flag, in one producer batch (they arrive together). */
  List<String> requests(String model, boolean... fromScratch) {
    List<String> ids = new ArrayList<>();
    for (boolean scratch : fromScratch) {
      ids.add(send(model, scratch, false));
    }
    producer.flush();
    return ids;
  }

  private String send(String model, boolean fromScratch, boolean force) {
    Topic<String, RetrainRequested> topic = topics.retrainRequests();
    String id = UUID.randomUUID().toString();
    RetrainRequested request =
        RetrainRequested.newBuilder()
            .setRequestId(id)
            .setModel(model)
            .setReason(RetrainReason.MANUAL)
            .setFromScratch(fromScratch)
            .setForce(force)
            .setTimestamp(Instant.now())
            .build();
    producer.send(
        new ProducerRecord<>(
            topic.name(),
            topic.keySerde().serializer().serialize(topic.name(), model),
            topic.valueSerde().serializer().serialize(topic.name(), request)));
    return id;
  }

  <V> void send(Topic<String, V> topic, String key, V value) {
    Serializer<String> keys = topic.keySerde().serializer();
    Serializer<V> values = topic.valueSerde().serializer();
    producer.send(
        new ProducerRecord<>(
            topic.name(),
            keys.serialize(topic.name(), key),
            values.serialize(topic.name(), value)));
    producer.flush();
  }

  void sendRaw(String topic, byte[] key, byte[] value) {
    producer.send(new ProducerRecord<>(topic, key, value));
    producer.flush();
  }

  /** Every committed value of a topic so far, in partition then offset order. */
  <V> List<V> read(Topic<String, V> topic) {
    List<V> values = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readRaw(topic.name())) {
      Deserializer<V> d = topic.valueSerde().deserializer();
      values.add(d.deserialize(topic.name(), r.headers(), r.value()));
    }
    return values;
  }

  List<ConsumerRecord<byte[], byte[]>> readRaw(String topic) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
    try (TopicTail<byte[], byte[]> tail =
        TopicTail.open(
            new KafkaConsumer<>(
                ExampleSnapshotReader.consumerConfig(config),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer()),
            List.of(topic),
            Duration.ofSeconds(30))) {
      List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
      tail.catchUp(records::add, Duration.ofSeconds(30));
      return records;
    }
  }

  ExampleSnapshotReader snapshotReader() {
    return ExampleSnapshotReader.create(
        Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()),
        topics.examples().valueSerde().deserializer(),
        Duration.ofSeconds(30));
  }

  @Override
  public void close() throws Exception {
    for (TrainerService service : List.copyOf(services)) {
      stop(service);
    }
    producer.close();
    registry.close();
  }
}
