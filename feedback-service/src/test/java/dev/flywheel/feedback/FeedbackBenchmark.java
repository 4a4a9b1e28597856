package dev.flywheel.feedback;

import static dev.flywheel.feedback.TestEvents.example;
import static dev.flywheel.feedback.TestEvents.feedback;
import static dev.flywheel.feedback.TestEvents.policy;
import static dev.flywheel.feedback.TestEvents.prediction;
import static dev.flywheel.feedback.TestEvents.spec;

import com.sun.management.OperatingSystemMXBean;
import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.events.FeedbackKind;
import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.events.PredictionLogged;
import dev.flywheel.events.QualityReport;
import dev.flywheel.schemas.ExampleIds;
import dev.flywheel.schemas.Holdout;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.TopicEnsurer;
import dev.flywheel.schemas.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Events per second through the feedback topology with exactly-once processing, against two
 * baselines on the same embedded broker, over the same input, in the same JVM and run: a
 * pass-through topology (read, deserialize, serialize, write each prediction and feedback record)
 * and {@link MinimalStatefulTopology} (only the join and the keyed upsert of examples that the
 * feedback rules cannot do without). All run with {@code exactly_once_v2}, the same commit
 * interval, the same number of stream threads and the same 3 input partitions. A warm-up round (all
 * applications, discarded) comes first; then each round runs all three in a different order, and
 * the ratios are reported per round with their median and range, as is the ratio of the minimal and
 * the feedback topology's stream-thread CPU (per event: both process the same input).
 *
 * <p>All input is written before an application starts; the clock runs from RUNNING until the
 * application is done end to end: the pass-through when its committed offsets reach the end of both
 * input topics (its output is committed in the same transactions), the others when in addition
 * every expected example is on their output topic and, for the feedback topology, the quality
 * reports add up to every prediction and every matched feedback event and every expected retrain
 * request is out (all read with {@code read_committed}, as they are written).
 *
 * <p>Run: {@code mvn -B -o -pl feedback-service test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.flywheel.feedback.FeedbackBenchmark -Dexec.args=200000} (the argument:
 * predictions, each with one feedback event). System properties: {@code bench.rounds} (3), {@code
 * bench.warmup} (1 warm-up round), {@code bench.commit} (commit.interval.ms, {@value
 * #DEFAULT_COMMIT_MS}, Kafka Streams' exactly-once default, which the service keeps), {@code
 * bench.threads} (1), {@code bench.props} (more Streams settings, {@code k=v,k=v}, for all), {@code
 * bench.inMemory} (in-memory stores for the feedback topology), {@code
 * bench.minimalWithoutChangelogs} (the minimal topology's stores unlogged, as a ceiling).
 */
public final class FeedbackBenchmark {
  private static final String MODEL = "sentiment";
  private static final List<String> LABELS = List.of("negative", "positive");
  private static final double HOLDOUT = 0.1;
  private static final int THRESHOLD = 200;

  /** Kafka Streams' default under exactly-once, which the service keeps. */
  private static final long DEFAULT_COMMIT_MS = 100;

  private static final FeedbackKind[] KINDS = {
    FeedbackKind.THUMBS_UP, FeedbackKind.CORRECTION, FeedbackKind.THUMBS_DOWN, FeedbackKind.COMMENT
  };

  /** This JVM: broker, registry, Streams and the benchmark all run in it. */
  private static final OperatingSystemMXBean PROCESS =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private final EmbeddedInfra infra;
  private final Topics topics;
  private final Admin admin;
  private long events;
  private long expectedExamples;
  private long expectedMatched;
  private long expectedRequests;

  private FeedbackBenchmark(EmbeddedInfra infra, Topics topics, Admin admin) {
    this.infra = infra;
    this.topics = topics;
    this.admin = admin;
  }

  public static void main(String[] args) {
    try {
      measure(args);
    } catch (Throwable e) {
      // The embedded broker's threads would keep a failed benchmark's JVM alive, and busy.
      e.printStackTrace();
      System.exit(1);
    }
    System.exit(0);
  }

  private static void measure(String[] args) throws Exception {
    int predictions = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int rounds = Integer.getInteger("bench.rounds", 3);
    int warmup = Integer.getInteger("bench.warmup", 1);
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
                  new NewTopic(copy(topics.feedback()), 3, (short) 1),
                  new NewTopic(minimalOutput(topics), topics.examples().partitions(), (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
      FeedbackBenchmark bench = new FeedbackBenchmark(infra, topics, admin);
      bench.load(predictions);
      System.out.printf(
          "%nbenchmark: %d events, commit.interval.ms=%s, stream threads=%d, extra=[%s]%n",
          bench.events,
          System.getProperty("bench.commit", String.valueOf(DEFAULT_COMMIT_MS)),
          Integer.getInteger("bench.threads", 1),
          System.getProperty("bench.props", ""));
      List<double[]> results = new ArrayList<>();
      for (int round = -warmup; round < rounds; round++) {
        // Each round runs the three applications in a different order.
        Map<App, Run> runs = new java.util.EnumMap<>(App.class);
        for (int i = 0; i < App.values().length; i++) {
          App app = App.values()[Math.floorMod(round + i, App.values().length)];
          runs.put(app, bench.run(app, app == App.FEEDBACK && round == rounds - 1));
        }
        double pass = runs.get(App.PASS_THROUGH).rate();
        double minimal = runs.get(App.MINIMAL).rate();
        double feedback = runs.get(App.FEEDBACK).rate();
        // Stream-thread CPU per event, which the clock's tail and idle waits do not change.
        double cpu = runs.get(App.MINIMAL).streamCpu() / runs.get(App.FEEDBACK).streamCpu();
        String label = round < 0 ? "warm-up" : "round " + (round + 1);
        System.out.printf(
            "%s: pass-through %.0f events/s, minimal stateful %.0f events/s, feedback %.0f"
                + " events/s; feedback/pass-through %.2f, minimal/pass-through %.2f,"
                + " feedback/minimal %.2f; stream CPU minimal/feedback %.2f%n",
            label,
            pass,
            minimal,
            feedback,
            feedback / pass,
            minimal / pass,
            feedback / minimal,
            cpu);
        if (round >= 0 && runs.values().stream().noneMatch(run -> Double.isNaN(run.rate()))) {
          results.add(
              new double[] {
                pass, minimal, feedback, feedback / pass, minimal / pass, feedback / minimal, cpu
              });
        }
      }
      String[] columns = {
        "pass-through eos events/s",
        "minimal stateful eos events/s",
        "feedback eos events/s",
        "ratio feedback/pass-through",
        "ratio minimal/pass-through",
        "ratio feedback/minimal",
        "stream CPU minimal/feedback"
      };
      System.out.printf("%nRESULT events=%d rounds=%d%n", bench.events, results.size());
      for (int c = 0; c < columns.length; c++) {
        String format =
            c < 3 ? "  %-32s median %.0f [%.0f-%.0f]%n" : "  %-32s median %.2f [%.2f-%.2f]%n";
        System.out.printf(format, columns[c], median(results, c), min(results, c), max(results, c));
      }
    }
  }

  /** Writes the model spec, the predictions and one feedback event per prediction. */
  private void load(int predictions) throws Exception {
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    // Every timestamp lies in the past: a broker refuses a record more than an hour ahead of its
    // clock (log.message.timestamp.after.max.ms), which a large N would otherwise reach.
    Instant base = Instant.now().minus(Duration.ofHours(1)).minusMillis(10L * predictions);
    long nonHoldout = 0;
    try (KafkaProducer<String, Object> producer =
        new KafkaProducer<>(
            props, topics.feedback().keySerde().serializer(), new AnySerializer(topics))) {
      send(
          producer,
          topics.modelSpecs(),
          MODEL,
          spec(MODEL, LABELS, HOLDOUT, policy(THRESHOLD, 0, true, 50, 0.05)),
          base);
      for (int i = 0; i < predictions; i++) {
        Instant at = base.plusMillis(10L * i);
        String id = "p-" + i;
        String text = "benchmark review " + i;
        PredictionLogged p =
            prediction(id, MODEL, 1, text, i % 2 == 0 ? "positive" : "negative", at);
        send(producer, topics.predictions(), id, p, at);
        FeedbackKind kind = KINDS[i % KINDS.length];
        Instant later = at.plusMillis(5);
        boolean submitted = i % 50 == 49;
        FeedbackReceived fb =
            submitted
                ? example(MODEL, "submitted " + i, "positive", later)
                : feedback(
                    kind,
                    id,
                    kind == FeedbackKind.CORRECTION ? "negative" : null,
                    "idem-" + i,
                    later);
        send(producer, topics.feedback(), submitted ? "x" + i : id, fb, later);
        if (!submitted) {
          expectedMatched++;
        }
        if (submitted || kind != FeedbackKind.COMMENT) {
          expectedExamples++;
          String exampleText = submitted ? "submitted " + i : text;
          if (!Holdout.isHoldout(ExampleIds.of(MODEL, exampleText), HOLDOUT)) {
            nonHoldout++;
          }
        }
      }
      producer.flush();
    }
    events = 2L * predictions;
    expectedRequests = nonHoldout / THRESHOLD;
  }

  /** The applications each round runs. */
  private enum App {
    PASS_THROUGH("pass-through"),
    MINIMAL("minimal"),
    FEEDBACK("feedback");

    final String label;

    App(String label) {
      this.label = label;
    }
  }

  /** One application's run: events per second, and its stream threads' CPU seconds. */
  private record Run(double rate, double streamCpu) {}

  /** Runs one application over all input, in a state directory of its own that it deletes. */
  private Run run(App app, boolean report) throws Exception {
    boolean feedback = app == App.FEEDBACK;
    String name = app.label;
    String applicationId = name + "-" + UUID.randomUUID().toString().substring(0, 8);
    FeedbackMetrics metrics = new FeedbackMetrics(new SimpleMeterRegistry());
    Topology topology =
        switch (app) {
          case PASS_THROUGH -> passThrough(topics);
          case MINIMAL ->
              MinimalStatefulTopology.build(
                  topics,
                  LABELS,
                  HOLDOUT,
                  minimalOutput(topics),
                  !Boolean.getBoolean("bench.minimalWithoutChangelogs"));
          case FEEDBACK ->
              FeedbackTopology.build(
                  topics,
                  FeedbackSettings.defaults()
                      // The input is a backlog of 10 ms steps replayed at full speed, and the three
                      // partitions progress unevenly: a grace of one minute would drop quality
                      // signals of early windows (as it would for any backlog that large).
                      .withQualityWindow(Duration.ofMinutes(5), Duration.ofHours(1))
                      .withInMemoryStores(Boolean.getBoolean("bench.inMemory")),
                  metrics);
        };
    Properties props = new Properties();
    if (feedback) {
      StreamsProperties.required(topics, metrics).forEach(props::put);
    }
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(
        StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.getLong("bench.commit", DEFAULT_COMMIT_MS));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.getInteger("bench.threads", 1));
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    Path stateDir = Files.createTempDirectory("feedback-bench");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    for (String setting : System.getProperty("bench.props", "").split(",")) {
      if (!setting.isBlank()) {
        String[] kv = setting.split("=", 2);
        props.put(kv[0].trim(), kv[1].trim());
      }
    }
    try {
      return run(app, name, applicationId, topology, props, report);
    } finally {
      // Each run's RocksDB files (tens of MB): a session of rounds would otherwise fill /tmp.
      Utils.delete(stateDir.toFile());
    }
  }

  /** Runs one application over all input until it is done end to end. */
  private Run run(
      App app,
      String name,
      String applicationId,
      Topology topology,
      Properties props,
      boolean report)
      throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    try (KafkaStreams streams = new KafkaStreams(topology, props);
        Outputs outputs = app == App.PASS_THROUGH ? null : new Outputs(app)) {
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
      long cpuBefore = PROCESS.getProcessCpuTime();
      Map<String, Long> threadsBefore = threadCpu(applicationId);
      // Two minutes, and one more per million events for a large N.
      Duration limit = Duration.ofMinutes(2).plusMillis(events / 1000 * 60);
      long deadline = started + limit.toNanos();
      double inputsDone = -1;
      boolean first = true;
      while (true) {
        // Outputs are read as they come, so that reading them adds no time at the end.
        boolean outputsDone = outputs == null || outputs.complete();
        if (inputsDone < 0 && consumedAll(applicationId)) {
          if (first) {
            // With several stream threads, Kafka Streams reports RUNNING only once every thread
            // is: one thread may have done all the work before the clock could start.
            System.out.printf("%s: done before it reported RUNNING; round not counted%n", name);
            streams.close(Duration.ofSeconds(30));
            return new Run(Double.NaN, Double.NaN);
          }
          inputsDone = (System.nanoTime() - started) / 1e9;
        }
        first = false;
        if (inputsDone >= 0 && outputsDone) {
          break;
        }
        if (streams.state() != KafkaStreams.State.RUNNING
            && streams.state() != KafkaStreams.State.REBALANCING) {
          throw new IllegalStateException(name + " stopped: " + streams.state());
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              name + " not done after " + limit + (outputs == null ? "" : ": " + outputs));
        }
        Thread.sleep(50);
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      double cpuSeconds = (PROCESS.getProcessCpuTime() - cpuBefore) / 1e9;
      double rate = events / seconds;
      System.out.printf(
          "%s: %d events in %.2f s = %.0f events/s (inputs committed after %.2f s; process CPU"
              + " %.2f s, %.1f ms per 1000 events)%n",
          name, events, seconds, rate, inputsDone, cpuSeconds, cpuSeconds * 1e6 / events);
      Map<String, Long> threadsAfter = threadCpu(applicationId);
      StringBuilder split = new StringBuilder("  " + applicationId + " CPU by thread (s):");
      threadsAfter.forEach(
          (group, nanos) ->
              split.append(
                  String.format(
                      " %s %.2f", group, (nanos - threadsBefore.getOrDefault(group, 0L)) / 1e9)));
      System.out.println(split);
      streams.close(Duration.ofSeconds(30));
      if (report) {
        writesPerPair(applicationId);
      }
      double streamCpu =
          (threadsAfter.getOrDefault("stream", 0L) - threadsBefore.getOrDefault("stream", 0L))
              / 1e9;
      return new Run(rate, streamCpu);
    }
  }

  /**
   * CPU time so far of this JVM's threads, grouped: the application's stream threads, their
   * producers' network threads, the rest of the application (consumers, cleaner), and all else
   * (broker, registry, benchmark).
   */
  private static Map<String, Long> threadCpu(String applicationId) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<String, Long> groups = new TreeMap<>();
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long nanos = threads.getThreadCpuTime(info.getThreadId());
      if (nanos < 0) {
        continue;
      }
      String name = info.getThreadName();
      String group;
      if (!name.contains(applicationId)) {
        group = "other";
      } else if (name.contains("producer-network") || name.contains("-producer")) {
        group = "producer-net";
      } else if (name.matches(".*StreamThread-\\d+$")) {
        group = "stream";
      } else {
        group = "app-other";
      }
      groups.merge(group, nanos, Long::sum);
    }
    return groups;
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

  /**
   * Prints how many offsets (records, plus one transaction marker per partition and commit) the
   * feedback application wrote to each topic per prediction + feedback pair.
   */
  private void writesPerPair(String applicationId) throws Exception {
    List<String> names =
        admin.listTopics().names().get().stream()
            .filter(n -> n.startsWith(applicationId) || n.startsWith(topics.prefix()))
            .filter(n -> !n.equals(topics.predictions().name()))
            .filter(n -> !n.equals(topics.feedback().name()))
            .filter(n -> !n.endsWith("-copy"))
            .sorted()
            .toList();
    Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
    admin
        .describeTopics(names)
        .allTopicNames()
        .get()
        .forEach(
            (topic, description) ->
                description
                    .partitions()
                    .forEach(
                        p ->
                            ends.put(
                                new TopicPartition(topic, p.partition()), OffsetSpec.latest())));
    Map<String, Long> perTopic = new TreeMap<>();
    admin
        .listOffsets(ends)
        .all()
        .get()
        .forEach((tp, info) -> perTopic.merge(tp.topic(), info.offset(), Long::sum));
    double pairs = events / 2.0;
    System.out.println(
        "offsets written per prediction + feedback pair (all runs on shared topics):");
    perTopic.forEach(
        (topic, offsets) -> {
          if (offsets > 0) {
            System.out.printf("  %-70s %6.3f%n", topic, offsets / pairs);
          }
        });
  }

  /** What the feedback application has written, as a read_committed consumer sees it. */
  private final class Outputs implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, QualityReport> quality = new HashMap<>();
    private long examples;
    private long requests;
    private long predictions;
    private long feedback;

    private final App app;

    Outputs(App app) throws Exception {
      this.app = app;
      Map<String, Object> props = new HashMap<>();
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
      props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
      consumer =
          new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
      Map<String, Integer> partitions =
          app == App.MINIMAL
              ? Map.of(minimalOutput(topics), topics.examples().partitions())
              : Map.of(
                  topics.examples().name(), topics.examples().partitions(),
                  topics.quality().name(), topics.quality().partitions(),
                  topics.retrainRequests().name(), topics.retrainRequests().partitions());
      partitions.forEach(
          (topic, count) -> {
            for (int p = 0; p < count; p++) {
              ends.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
          });
      // Earlier runs wrote to the same output topics: count only what this run writes.
      var start = admin.listOffsets(ends).all().get();
      consumer.assign(start.keySet());
      start.forEach((tp, info) -> consumer.seek(tp, info.offset()));
    }

    boolean complete() {
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(50))) {
        if (app == App.MINIMAL || record.topic().equals(topics.examples().name())) {
          examples++;
        } else if (record.topic().equals(topics.retrainRequests().name())) {
          requests++;
        } else {
          QualityReport report =
              topics
                  .quality()
                  .valueSerde()
                  .deserializer()
                  .deserialize(record.topic(), record.value());
          quality.put(report.getModel() + "@" + report.getWindowStart(), report);
        }
      }
      predictions = quality.values().stream().mapToLong(QualityReport::getPredictions).sum();
      feedback = quality.values().stream().mapToLong(QualityReport::getFeedback).sum();
      if (app == App.MINIMAL) {
        return examples >= expectedExamples;
      }
      return examples >= expectedExamples
          && predictions >= events / 2
          && feedback >= expectedMatched
          && requests >= expectedRequests;
    }

    @Override
    public String toString() {
      return String.format(
          "examples %d/%d, quality predictions %d/%d, feedback %d/%d, requests %d/%d",
          examples,
          expectedExamples,
          predictions,
          events / 2,
          feedback,
          expectedMatched,
          requests,
          expectedRequests);
    }

    @Override
    public void close() {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private static double median(List<double[]> rows, int column) {
    double[] values = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
    int n = values.length;
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }

  private static double min(List<double[]> rows, int column) {
    return rows.stream().mapToDouble(r -> r[column]).min().orElse(Double.NaN);
  }

  private static double max(List<double[]> rows, int column) {
    return rows.stream().mapToDouble(r -> r[column]).max().orElse(Double.NaN);
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

  private static String minimalOutput(Topics topics) {
    return topics.examples().name() + "-minimal";
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
