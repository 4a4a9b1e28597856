package dev.flywheel.ingest.bench;

import dev.flywheel.common.auth.ApiKeys;
import dev.flywheel.common.auth.Role;
import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ReleaseKind;
import dev.flywheel.ingest.IngestConfig;
import dev.flywheel.ingest.IngestService;
import dev.flywheel.ingest.MicroBatching;
import dev.flywheel.ingest.bench.IngestBenchmark.Result;
import dev.flywheel.schemas.Events;
import dev.flywheel.schemas.RegistryConfig;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.Topics;
import dev.flywheel.slm.DevicePreference;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.Hyperparameters;
import dev.flywheel.slm.ModelRecipe;
import dev.flywheel.slm.Recipes;
import dev.flywheel.slm.TextClassifierTrainer;
import dev.flywheel.slm.TrainingRequest;
import dev.flywheel.slm.data.WordNetTopics;
import dev.flywheel.slm.store.FileArtifactStore;
import dev.flywheel.slm.store.StoredArtifact;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Predict through the real gateway (embedded broker and registry, every prediction logged with
 * acks=all) for an encoder/head model (minilm-l6, trained by the encoder recipe) against a bag
 * model, in the same run, with and without micro-batching of single texts. Requests carry one text
 * each, drawn in turn from 1,000 WordNet definitions. Per model and batching mode: the most
 * requests/s with {@code concurrency} outstanding (closed loop), then a fixed {@code rate} (open
 * loop, latency from the scheduled start). Arguments: {@code seconds=5 concurrency=32 rate=200
 * rounds=1}.
 */
public final class EncoderServingBenchmark {
  private EncoderServingBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options =
        new HashMap<>(Map.of("seconds", "5", "concurrency", "32", "rate", "200", "rounds", "1"));
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      options.put(kv[0], kv[1]);
    }
    int seconds = Integer.parseInt(options.get("seconds"));
    int concurrency = Integer.parseInt(options.get("concurrency"));
    double rate = Double.parseDouble(options.get("rate"));

    EmbeddedInfra infra = EmbeddedInfra.shared();
    String prefix = infra.newTopicPrefix() + "encbench";
    Path artifacts = Files.createTempDirectory("encoder-serving-bench");
    Map<String, String> props = new HashMap<>();
    props.put("kafka.bootstrap.servers", infra.bootstrapServers());
    props.put("schema.registry.url", infra.registryUrl());
    props.put("topics.prefix", prefix);
    props.put("topics.replication.factor", "1");
    props.put("ingest.http.port", "0");
    props.put("ingest.management.port", "0");
    props.put("ingest.api.keys", ApiKeys.entry("bench", Role.ADMIN, IngestBenchmark.KEY));
    props.put("ingest.rate.limit.per.second", "1000000000");
    props.put("ingest.rate.limit.burst", "1000000000");
    props.put("artifacts.uri", artifacts.toUri().toString());
    IngestConfig config = IngestConfig.from(IngestConfig.SPEC.parse(Map.of(), props));

    List<String> labels = WordNetTopics.labels(WordNetTopics.Variant.TOPICS_8);
    List<Example> all = new ArrayList<>(WordNetTopics.load(WordNetTopics.Variant.TOPICS_8));
    Collections.shuffle(all, new Random(3));
    FileArtifactStore store = new FileArtifactStore(artifacts);
    StoredArtifact bag = trainBag(store, all.subList(0, 4000), labels);
    StoredArtifact encoder = trainEncoder(store, all.subList(0, 1500), labels);
    List<String> texts = all.subList(5000, 6000).stream().map(Example::text).toList();
    System.out.printf(
        Locale.ROOT,
        "bundles: bag %,d bytes, encoder/head %,d bytes%n",
        bag.sizeBytes(),
        encoder.sizeBytes());

    Vertx vertx = Vertx.vertx();
    List<Result> results = new ArrayList<>();
    try (SchemaRegistryClient registry =
            new SchemaRegistryClient(RegistryConfig.of(infra.registryUrl()));
        IngestService gateway =
            new IngestService(config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
      gateway.start();
      Topics topics = Topics.create(prefix, registry);
      int port = gateway.httpPort();
      HttpClient client =
          vertx.createHttpClient(
              new HttpClientOptions().setDefaultHost("127.0.0.1").setKeepAlive(true),
              new PoolOptions().setHttp1MaxSize(concurrency));
      release(topics, infra.bootstrapServers(), "topics-bag", bag, labels);
      release(topics, infra.bootstrapServers(), "topics-encoder", encoder, labels);
      for (String model : List.of("topics-bag", "topics-encoder")) {
        awaitServed(client, port, model);
      }
      AtomicLong next = new AtomicLong();
      int rounds = Integer.parseInt(options.get("rounds"));
      for (int round = 1; round <= rounds; round++) {
        for (boolean batching : List.of(true, false)) {
          MicroBatching.set(batching);
          for (String model : List.of("topics-bag", "topics-encoder")) {
            String path = "/v1/models/" + model + "/predict";
            String name =
                model.substring("topics-".length())
                    + (batching ? ", micro-batching on" : ", micro-batching off")
                    + (rounds > 1 ? ", round " + round : "");
            results.add(
                IngestBenchmark.closedLoop(
                    name + ", " + concurrency + " concurrent",
                    () -> IngestBenchmark.post(client, port, path, body(texts, next), 200),
                    concurrency,
                    seconds,
                    1));
            results.add(
                IngestBenchmark.fixedRate(
                    name + ", " + Math.round(rate) + " requests/s",
                    vertx,
                    () -> IngestBenchmark.post(client, port, path, body(texts, next), 200),
                    rate,
                    seconds));
          }
        }
      }
      MicroBatching.set(true);
      System.out.println("| phase | requests/s | p50 ms | p99 ms | errors |");
      System.out.println("|---|---|---|---|---|");
      for (Result r : results) {
        System.out.printf(
            Locale.ROOT,
            "| %s | %.0f | %.2f | %.2f | %d |%n",
            r.name(),
            r.perSecond(),
            r.p50Micros() / 1000.0,
            r.p99Micros() / 1000.0,
            r.errors());
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    System.exit(0);
  }

  private static String body(List<String> texts, AtomicLong next) {
    return new JsonObject()
        .put("text", texts.get((int) (next.getAndIncrement() % texts.size())))
        .encode();
  }

  private static StoredArtifact trainBag(
      FileArtifactStore store, List<Example> examples, List<String> labels) {
    byte[] bundle =
        TextClassifierTrainer.train(
                TrainingRequest.builder()
                    .setExamples(examples)
                    .setModelName("topics-bag")
                    .setVersion("1")
                    .optHyperparameters(
                        Hyperparameters.defaults().withValues(Map.of("epochs", "2")))
                    .optLabels(labels)
                    .build())
            .bundle()
            .toByteArray();
    return store.put("topics-bag", "1", bundle);
  }

  private static StoredArtifact trainEncoder(
      FileArtifactStore store, List<Example> examples, List<String> labels) {
    ModelRecipe recipe = Recipes.forArchitecture("encoder");
    Map<String, String> settings =
        recipe.settings(Map.of("architecture", "encoder", "fineTune", "head"));
    byte[] bundle =
        recipe
            .train(
                TrainingRequest.builder()
                    .setExamples(examples)
                    .setModelName("topics-encoder")
                    .setVersion("1")
                    .optLabels(labels)
                    .optSettings(settings)
                    .optStore(store)
                    .optDevice(DevicePreference.CPU)
                    .build())
            .bundle()
            .toByteArray();
    return store.put("topics-encoder", "1", bundle);
  }

  private static void release(
      Topics topics, String bootstrap, String model, StoredArtifact stored, List<String> labels)
      throws Exception {
    ModelReleased release =
        ModelReleased.newBuilder()
            .setReleaseId(UUID.randomUUID().toString())
            .setModel(Events.ref(model, 1))
            .setKind(ReleaseKind.MANUAL)
            .setArtifactUri(stored.uri().toString())
            .setSha256(stored.sha256())
            .setSizeBytes(stored.sizeBytes())
            .setLabels(labels)
            .setTimestamp(Instant.now())
            .build();
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (KafkaProducer<String, ModelReleased> producer =
        new KafkaProducer<>(
            props,
            topics.releases().keySerde().serializer(),
            topics.releases().valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(topics.releases().name(), model, release)).get();
    }
  }

  private static void awaitServed(HttpClient client, int port, String model) throws Exception {
    String body = new JsonObject().put("text", "a dog").encode();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      Integer ok =
          IngestBenchmark.post(client, port, "/v1/models/" + model + "/predict", body, 200)
              .toCompletionStage()
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      if (ok == 1) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(model + " was not served within 120 s");
  }
}
