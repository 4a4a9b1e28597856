package dev.flywheel.feedback;

import static dev.flywheel.feedback.TestEvents.example;
import static dev.flywheel.feedback.TestEvents.feedback;
import static dev.flywheel.feedback.TestEvents.policy;
import static dev.flywheel.feedback.TestEvents.prediction;
import static dev.flywheel.feedback.TestEvents.spec;

import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.events.FeedbackKind;
import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.events.PredictionLogged;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.TopicEnsurer;
import dev.flywheel.schemas.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Events per second through the feedback topology with exactly-once processing, against a
 * pass-through topology (read, deserialize, serialize, write each prediction and feedback record)
 * on the same embedded broker in the same run. All input is written before an application starts;
 * the clock runs from RUNNING until the application has committed every input offset.
 *
 * <p>Run: {@code mvn -B -o -pl feedback-service test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.flywheel.feedback.FeedbackBenchmark -Dexec.args=20000} (the argument:
 * predictions, each with one feedback event).
 */
public final class FeedbackBenchmark {
  private static final String MODEL = "sentiment";
  private static final FeedbackKind[] KINDS = {
    FeedbackKind.THUMBS_UP, FeedbackKind.CORRECTION, FeedbackKind.THUMBS_DOWN, FeedbackKind.COMMENT
  };

  private final EmbeddedInfra infra;
  private final Topics topics;
  private final Admin admin;

  private FeedbackBenchmark(EmbeddedInfra infra, Topics topics, Admin admin) {
    this.infra = infra;
    this.topics = topics;
    this.admin = admin;
  }

  public static void main(String[] args) throws Exception {
    int predictions = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    EmbeddedInfra infra = EmbeddedInfra.shared();
    try (SchemaRegistryClient registry = SchemaRegistryClient.create(infra.registryUrl());
        Admin admin =
            Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
      Topics topics =
          Topics.create("bench" + UUID.randomUUID().toString().substring(0, 8), registry);
      TopicEnsurer.ensure(admin, topics, (short) 1);
      admin
          .createTopics(
              List.of(
                  new NewTopic(copy(topics.predictions()), 3, (short) 1),
                  new NewTopic(copy(topics.feedback()), 3, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
      FeedbackBenchmark bench = new FeedbackBenchmark(infra, topics, admin);
      long events = bench.load(predictions);

      double passEos =
          bench.run("pass-through", passThrough(topics), StreamsConfig.EXACTLY_ONCE_V2, events);
      double passAlo =
          bench.run("pass-through", passThrough(topics), StreamsConfig.AT_LEAST_ONCE, events);
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      FeedbackMetrics metrics = new FeedbackMetrics(meters);
      double feedbackEos =
          bench.run(
              "feedback",
              FeedbackTopology.build(
                  topics,
                  FeedbackSettings.defaults()
                      .withInMemoryStores(Boolean.getBoolean("bench.inMemory")),
                  metrics),
              StreamsConfig.EXACTLY_ONCE_V2,
              events,
              metrics);
      System.out.printf(
          "%nRESULT events=%d  pass-through exactly_once_v2: %.0f events/s  pass-through"
              + " at_least_once: %.0f events/s  feedback exactly_once_v2: %.0f events/s  ratio"
              + " feedback/pass-through(eos): %.2f  ratio feedback/pass-through(alos): %.2f%n",
          events, passEos, passAlo, feedbackEos, feedbackEos / passEos, feedbackEos / passAlo);
    }
    System.exit(0);
  }

  /** Writes the model spec, the predictions and one feedback event per prediction. */
  private long load(int predictions) throws Exception {
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    Instant base = Instant.now().minus(Duration.ofHours(1));
    try (KafkaProducer<String, Object> producer =
        new KafkaProducer<>(
            props, topics.feedback().keySerde().serializer(), new AnySerializer(topics))) {
      send(
          producer,
          topics.modelSpecs(),
          MODEL,
          spec(MODEL, List.of("negative", "positive"), 0.1, policy(200, 0, true, 50, 0.05)),
          base);
      for (int i = 0; i < predictions; i++) {
        Instant at = base.plusMillis(10L * i);
        String id = "p-" + i;
        PredictionLogged p =
            prediction(
                id, MODEL, 1, "benchmark review " + i, i % 2 == 0 ? "positive" : "negative", at);
        send(producer, topics.predictions(), id, p, at);
        FeedbackKind kind = KINDS[i % KINDS.length];
        Instant later = at.plusMillis(5);
        FeedbackReceived fb =
            i % 50 == 49
                ? example(MODEL, "submitted " + i, "positive", later)
                : feedback(
                    kind,
                    id,
                    kind == FeedbackKind.CORRECTION ? "negative" : null,
                    "idem-" + i,
                    later);
        send(
            producer,
            topics.feedback(),
            fb.getKind() == FeedbackKind.EXAMPLE ? "x" + i : id,
            fb,
            later);
      }
      producer.flush();
    }
    return 2L * predictions;
  }

  private double run(String name, Topology topology, String guarantee, long events)
      throws Exception {
    return run(name, topology, guarantee, events, null);
  }

  private double run(
      String name, Topology topology, String guarantee, long events, FeedbackMetrics metrics)
      throws Exception {
    String applicationId =
        name + "-" + guarantee + "-" + UUID.randomUUID().toString().substring(0, 8);
    Properties props = new Properties();
    if (metrics != null) {
      StreamsProperties.required(topics, metrics).forEach(props::put);
    }
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.getInteger("bench.threads", 1));
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    props.put(
        StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("feedback-bench").toString());
    for (String setting : System.getProperty("bench.props", "").split(",")) {
      if (!setting.isBlank()) {
        String[] kv = setting.split("=", 2);
        props.put(kv[0].trim(), kv[1].trim());
      }
    }
    CountDownLatch running = new CountDownLatch(1);
    try (KafkaStreams streams = new KafkaStreams(topology, props)) {
      streams.setStateListener(
          (next, previous) -> {
            if (next == KafkaStreams.State.RUNNING) {
              running.countDown();
            }
          });
      streams.start();
      if (!running.await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException(name + " not RUNNING: " + streams.state());
      }
      long started = System.nanoTime();
      while (!consumedAll(applicationId)) {
        if (streams.state() != KafkaStreams.State.RUNNING
            && streams.state() != KafkaStreams.State.REBALANCING) {
          throw new IllegalStateException(name + " stopped: " + streams.state());
        }
        Thread.sleep(50);
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      double rate = events / seconds;
      System.out.printf(
          "%s %s: %d events in %.2f s = %.0f events/s%n", name, guarantee, events, seconds, rate);
      streams.close(Duration.ofSeconds(30));
      return rate;
    }
  }

  /** Whether the application has committed the end offset of every input partition. */
  private boolean consumedAll(String applicationId) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
    Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
    for (String topic : List.of(topics.predictions().name(), topics.feedback().name())) {
      for (int p = 0; p < topics.predictions().partitions(); p++) {
        ends.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
    }
    var endOffsets = admin.listOffsets(ends).all().get();
    for (var end : endOffsets.entrySet()) {
      OffsetAndMetadata done = committed.get(end.getKey());
      if (done == null || done.offset() < end.getValue().offset()) {
        return false;
      }
    }
    return true;
  }

  private static Topology passThrough(Topics topics) {
    StreamsBuilder builder = new StreamsBuilder();
    copy(builder, topics.predictions());
    copy(builder, topics.feedback());
    return builder.build();
  }

  private static <V> void copy(StreamsBuilder builder, Topic<String, V> topic) {
    builder.stream(topic.name(), Consumed.with(topic.keySerde(), topic.valueSerde()))
        .to(copy(topic), Produced.with(topic.keySerde(), topic.valueSerde()));
  }

  private static String copy(Topic<?, ?> topic) {
    return topic.name() + "-copy";
  }

  private static <V> void send(
      KafkaProducer<String, Object> producer,
      Topic<String, V> topic,
      String key,
      V value,
      Instant at) {
    producer.send(new ProducerRecord<>(topic.name(), null, at.toEpochMilli(), key, value));
  }
}
