package dev.flywheel.feedback;

import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.PredictionLogged;
import dev.flywheel.events.QualityReport;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * The feedback topology under the TopologyTestDriver, with in-memory stores, the service's real
 * exception handlers and the real Avro serdes against the embedded schema registry.
 */
final class TopologyHarness implements AutoCloseable {
  static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  final Topics topics;
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  final FeedbackMetrics metrics = new FeedbackMetrics(meters);
  final TopologyTestDriver driver;
  final TestInputTopic<String, PredictionLogged> predictions;
  final TestInputTopic<String, FeedbackReceived> feedback;
  final TestInputTopic<byte[], byte[]> rawFeedback;
  final TestInputTopic<String, ModelSpec> specs;
  final TestInputTopic<String, ModelReleased> releases;
  final TestInputTopic<String, RetrainRequested> retrainIn;
  final TestInputTopic<String, ModelCandidate> candidates;
  final TestOutputTopic<String, LabeledExample> examples;
  final TestOutputTopic<String, QualityReport> quality;
  final TestOutputTopic<String, RetrainRequested> retrainOut;
  final TestOutputTopic<byte[], byte[]> deadLetters;

  TopologyHarness(SchemaRegistryClient registry, String prefix, FeedbackSettings settings)
      throws Exception {
    this(registry, prefix, settings, Map.of());
  }

  /** With {@code overrides} applied last to the Streams properties (e.g. to turn the cache on). */
  TopologyHarness(
      SchemaRegistryClient registry,
      String prefix,
      FeedbackSettings settings,
      Map<String, Object> overrides)
      throws Exception {
    this.topics = Topics.create(prefix, registry);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, prefix + "feedback-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("feedback-ttd").toString());
    StreamsProperties.required(topics, metrics).forEach(props::put);
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0L);
    props.putAll(overrides);
    driver =
        new TopologyTestDriver(
            FeedbackTopology.build(topics, settings.withInMemoryStores(true), metrics),
            props,
            START);
    predictions = input(topics.predictions());
    feedback = input(topics.feedback());
    rawFeedback =
        driver.createInputTopic(
            topics.feedback().name(), new ByteArraySerializer(), new ByteArraySerializer());
    specs = input(topics.modelSpecs());
    releases = input(topics.releases());
    retrainIn = input(topics.retrainRequests());
    candidates = input(topics.candidates());
    examples = output(topics.examples());
    quality = output(topics.quality());
    retrainOut = output(topics.retrainRequests());
    deadLetters = output(topics.deadLetters());
  }

  static String prefix(String topicPrefix) {
    return topicPrefix.endsWith("-")
        ? topicPrefix.substring(0, topicPrefix.length() - 1)
        : topicPrefix;
  }

  double counter(String name, String... tags) {
    Counter counter = meters.find(name).tags(tags).counter();
    return counter == null ? 0.0 : counter.count();
  }

  private <K, V> TestInputTopic<K, V> input(Topic<K, V> topic) {
    return driver.createInputTopic(
        topic.name(), topic.keySerde().serializer(), topic.valueSerde().serializer());
  }

  private <K, V> TestOutputTopic<K, V> output(Topic<K, V> topic) {
    return driver.createOutputTopic(
        topic.name(), topic.keySerde().deserializer(), topic.valueSerde().deserializer());
  }

  @Override
  public void close() {
    driver.close();
  }
}
