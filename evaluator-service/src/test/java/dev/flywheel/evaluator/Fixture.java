package dev.flywheel.evaluator;

import dev.flywheel.common.snapshot.ExampleSnapshot;
import dev.flywheel.common.snapshot.ExampleSnapshotReader;
import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.events.DatasetSnapshot;
import dev.flywheel.events.ExampleSource;
import dev.flywheel.events.GatePolicy;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelRef;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.Provenance;
import dev.flywheel.events.QualityReport;
import dev.flywheel.events.ReleaseAction;
import dev.flywheel.events.ReleaseRequested;
import dev.flywheel.events.TriggerPolicy;
import dev.flywheel.schemas.Events;
import dev.flywheel.schemas.Holdout;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.TopicEnsurer;
import dev.flywheel.schemas.Topics;
import dev.flywheel.slm.Example;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** One isolated installation on the shared embedded broker: its own topics, group and producer. */
final class Fixture implements AutoCloseable {

  final EmbeddedInfra infra;
  final String prefix;
  final String groupId;
  final SchemaRegistryClient registry;
  final Topics topics;
  private final KafkaProducer<byte[], byte[]> producer;
  private final List<EvaluationLoop> started = new ArrayList<>();

  Fixture(EmbeddedInfra infra) {
    this.infra = infra;
    this.prefix = infra.newTopicPrefix();
    this.groupId = infra.newGroupId();
    this.registry = SchemaRegistryClient.create(infra.registryUrl());
    this.topics = Topics.create(prefix, registry);
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
                // Topics were created a moment ago: a batch refused while the leader is being
                // elected must be retried before the next one is sent, or the broker sees the
                // sequence numbers out of order and the producer stalls for its delivery timeout.
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
                1),
            new ByteArraySerializer(),
            new ByteArraySerializer());
  }

  /** The policy the tests start from: significance required, no regression allowed. */
  static GatePolicy.Builder policy() {
    return GatePolicy.newBuilder()
        .setMinAccuracy(0.05)
        .setMinMacroF1(0.0)
        .setMaxAccuracyRegression(0.0)
        .setMaxMacroF1Regression(0.02)
        .setMaxLabelRecallRegression(0.25)
        .setMinImprovement(0.0)
        .setRequireSignificance(true)
        .setSignificanceLevel(0.05)
        .setMaxLatencyP95Millis(2_000.0)
        .setMaxSizeBytes(100_000_000L)
        .setRollbackEnabled(true)
        .setRollbackMinFeedback(50);
  }

  void publishSpec(GatePolicy policy) throws Exception {
    ModelSpec spec =
        ModelSpec.newBuilder()
            .setName(TrainedModels.MODEL)
            .setLabels(TrainedModels.get().strong.labels())
            .setHoldoutShare(TrainedModels.HOLDOUT_SHARE)
            .setTrigger(TriggerPolicy.newBuilder().build())
            .setGate(policy)
            .setUpdatedAt(Instant.now())
            .build();
    send(topics.modelSpecs(), TrainedModels.MODEL, spec);
  }

  /** Writes the test examples to the examples topic and takes a snapshot of them. */
  DatasetSnapshot writeExamplesAndSnapshot() throws Exception {
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (Example e : TrainedModels.get().examples) {
      LabeledExample value =
          LabeledExample.newBuilder()
              .setExampleId(e.id())
              .setModel(TrainedModels.MODEL)
              .setText(e.text())
              .setLabel(e.label())
              .setSource(ExampleSource.SUBMITTED)
              .setHoldout(Holdout.isHoldout(e.id(), TrainedModels.HOLDOUT_SHARE))
              .setProvenance(Provenance.newBuilder().build())
              .setTimestamp(Instant.now())
              .build();
      sent.add(producer.send(record(topics.examples(), e.id(), value)));
    }
    producer.flush();
    for (Future<RecordMetadata> f : sent) {
      f.get(); // fail here, not later with a smaller snapshot, if an example was not written
    }
    try (ExampleSnapshotReader reader =
        ExampleSnapshotReader.create(
            Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()),
            topics.examples().valueSerde().deserializer(),
            Duration.ofSeconds(30))) {
      ExampleSnapshot snapshot = reader.take(topics.examples().name(), TrainedModels.MODEL);
      return snapshot.snapshot();
    }
  }

  static ModelCandidate candidate(
      int version, TrainedModels.Bundle bundle, String sha256, DatasetSnapshot snapshot) {
    return ModelCandidate.newBuilder()
        .setModel(Events.ref(TrainedModels.MODEL, version))
        .setRequestId(UUID.randomUUID().toString())
        .setArtifactUri(bundle.uri())
        .setSha256(sha256)
        .setSizeBytes(bundle.sizeBytes())
        .setArchitecture("bag")
        .setLabels(bundle.labels())
        .setSnapshot(snapshot)
        .setValidationMetrics(Map.of("accuracy", 0.5))
        .setWorker("it")
        .setDurationMillis(1000)
        .setTimestamp(Instant.now())
        .build();
  }

  static ModelCandidate candidate(
      int version, TrainedModels.Bundle bundle, DatasetSnapshot snapshot) {
    return candidate(version, bundle, bundle.sha256(), snapshot);
  }

  void sendCandidate(ModelCandidate candidate) {
    send(topics.candidates(), candidate.getModel().getModel(), candidate);
  }

  void sendQuality(int version, long confirmations, long corrections, long windowStart) {
    ModelRef ref = Events.ref(TrainedModels.MODEL, version);
    long judged = confirmations + corrections;
    QualityReport report =
        QualityReport.newBuilder()
            .setModel(ref)
            .setWindowStart(Instant.ofEpochMilli(windowStart))
            .setWindowEnd(Instant.ofEpochMilli(windowStart + 60_000))
            .setPredictions(judged)
            .setFeedback(judged)
            .setConfirmations(confirmations)
            .setCorrections(corrections)
            .setLiveAccuracy((double) confirmations / judged)
            .setTimestamp(Instant.now())
            .build();
    send(topics.quality(), Events.qualityKey(ref), report);
  }

  void sendReleaseRequest(ReleaseAction action, Integer version, String admin) {
    ReleaseRequested request =
        ReleaseRequested.newBuilder()
            .setRequestId(UUID.randomUUID().toString())
            .setModel(TrainedModels.MODEL)
            .setAction(action)
            .setVersion(version)
            .setReason("it")
            .setRequestedBy(admin)
            .setTimestamp(Instant.now())
            .build();
    send(topics.releaseRequests(), TrainedModels.MODEL, request);
  }

  void sendRaw(String topic, byte[] value) throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                topic, TrainedModels.MODEL.getBytes(StandardCharsets.UTF_8), value))
        .get(30, TimeUnit.SECONDS);
  }

  <V> void send(Topic<String, V> topic, String key, V value) {
    try {
      producer.send(record(topic, key, value)).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("could not write to " + topic.name(), e);
    }
  }

  private static <V> ProducerRecord<byte[], byte[]> record(
      Topic<String, V> topic, String key, V value) {
    return new ProducerRecord<>(
        topic.name(),
        key.getBytes(StandardCharsets.UTF_8),
        topic.valueSerde().serializer().serialize(topic.name(), value));
  }

  /** Every committed value of a topic, from its beginning to its current end. */
  <V> List<V> readAll(Topic<String, V> topic) {
    List<V> values = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readRaw(topic.name())) {
      values.add(topic.valueSerde().deserializer().deserialize(topic.name(), r.value()));
    }
    return values;
  }

  /** Every committed record of a topic, from its beginning to its current end. */
  List<ConsumerRecord<byte[], byte[]>> readRaw(String topic) {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end");
        }
        consumer.poll(Duration.ofMillis(100)).forEach(out::add);
      }
      return out;
    }
  }

  /** The evaluator group's committed offset on the candidates topic, summed over partitions. */
  long committedCandidateOffsets() throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
      return offsets.entrySet().stream()
          .filter(e -> e.getKey().topic().equals(topics.candidates().name()))
          .filter(e -> e.getValue() != null)
          .mapToLong(e -> e.getValue().offset())
          .sum();
    }
  }

  EvaluatorConfig config(Consumer<Map<String, String>> overrides) {
    Map<String, String> env = new HashMap<>();
    env.put("FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS", infra.bootstrapServers());
    env.put("FLYWHEEL_SCHEMA_REGISTRY_URL", infra.registryUrl());
    env.put("FLYWHEEL_TOPICS_PREFIX", prefix);
    env.put("FLYWHEEL_EVALUATOR_GROUP_ID", groupId);
    env.put("FLYWHEEL_EVALUATOR_LATENCY_SAMPLES", "50");
    env.put("FLYWHEEL_EVALUATOR_STATE_TIMEOUT", "PT30S");
    overrides.accept(env);
    return EvaluatorConfig.from(env, Map.of());
  }

  /** Starts an evaluator; it is closed with the fixture if the test does not close it first. */
  EvaluationLoop startEvaluator(
      PrometheusMeterRegistry meters, Consumer<Map<String, String>> overrides) throws Exception {
    EvaluationLoop service = new EvaluationLoop(config(overrides), topics, meters);
    started.add(service);
    service.start();
    return service;
  }

  EvaluationLoop startEvaluator() throws Exception {
    return startEvaluator(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), env -> {});
  }

  @Override
  public void close() throws Exception {
    for (EvaluationLoop service : started) {
      service.close();
    }
    producer.close();
    registry.close();
  }
}
