package dev.flywheel.ingest.bench;

import dev.flywheel.common.auth.ApiKeys;
import dev.flywheel.common.auth.Role;
import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.events.FeedbackKind;
import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ReleaseKind;
import dev.flywheel.ingest.IngestConfig;
import dev.flywheel.ingest.IngestService;
import dev.flywheel.schemas.Events;
import dev.flywheel.schemas.RegistryConfig;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.TopicEnsurer;
import dev.flywheel.schemas.Topics;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.Hyperparameters;
import dev.flywheel.slm.TextClassifierTrainer;
import dev.flywheel.slm.TrainingRequest;
import dev.flywheel.slm.data.WordNetTopics;
import dev.flywheel.slm.store.FileArtifactStore;
import dev.flywheel.slm.store.StoredArtifact;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The ingest benchmark (not a test). In one JVM on the embedded broker and registry it measures
 * feedback ingestion through the gateway against two ceilings on the same machine: a raw
 * KafkaProducer sending the same events to the same broker, and a bare Vert.x endpoint that accepts
 * the same requests and does nothing. Then latency at half the single-request maximum, and predict
 * throughput and latency for a bag model trained on WordNet topics. Prints Markdown. Arguments:
 * {@code seconds=10 concurrency=32 single.concurrency=32,128 batch=200 rounds=3} ({@code
 * concurrency} for batches and predict; single-event requests run at each {@code
 * single.concurrency}, judged by the best; each round runs every endpoint right after its baseline
 * and the ratios are medians over rounds); {@code only=single} or {@code only=batch} runs just that
 * gateway phase (for profiling); {@code only=singles} runs only the single-event rounds against the
 * bare endpoint and the half-rate phase; {@code predict=false} skips predict. Arguments starting
 * with {@code kafka.} or {@code ingest.} override the gateway's configuration (e.g. {@code
 * kafka.producer.linger.ms=2}).
 */
public final class IngestBenchmark {
  static final String KEY = "bench-key";

  /** Every phase first runs this long unmeasured. */
  static final int WARM_UP_SECONDS = 2;

  private static final String SINGLE =
      "{\"kind\":\"thumbs_up\",\"prediction_id\":\"p-123456\",\"comment\":\"fine\"}";

  private IngestBenchmark() {}

  /** One measured phase. */
  record Result(String name, double perSecond, long p50Micros, long p99Micros, long errors) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options =
        new HashMap<>(
            Map.of(
                "seconds", "10",
                "concurrency", "32",
                "single.concurrency", "32,128",
                "rounds", "3",
                "batch", "200",
                "only", "",
                "predict", "true"));
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      options.put(kv[0], kv[1]);
    }
    int seconds = Integer.parseInt(options.get("seconds"));
    int concurrency = Integer.parseInt(options.get("concurrency"));
    int batchSize = Integer.parseInt(options.get("batch"));

    EmbeddedInfra infra = EmbeddedInfra.shared();
    String prefix = infra.newTopicPrefix() + "bench";
    Path artifacts = Files.createTempDirectory("ingest-bench");
    Map<String, String> props = new HashMap<>();
    props.put("kafka.bootstrap.servers", infra.bootstrapServers());
    props.put("schema.registry.url", infra.registryUrl());
    props.put("topics.prefix", prefix);
    props.put("topics.replication.factor", "1");
    props.put("ingest.http.port", "0");
    props.put("ingest.management.port", "0");
    props.put("ingest.api.keys", ApiKeys.entry("bench", Role.ADMIN, KEY));
    props.put("ingest.rate.limit.per.second", "1000000000");
    props.put("ingest.rate.limit.burst", "1000000000");
    props.put("artifacts.uri", artifacts.toUri().toString());
    // Gateway settings from the command line (e.g. kafka.producer.linger.ms=2), to compare them.
    options.forEach(
        (key, value) -> {
          if (key.startsWith("kafka.") || key.startsWith("ingest.")) {
            props.put(key, value);
          }
        });
    IngestConfig config = IngestConfig.from(IngestConfig.SPEC.parse(Map.of(), props));

    Vertx vertx = Vertx.vertx();
    List<Result> results = new ArrayList<>();
    try (SchemaRegistryClient registry =
            new SchemaRegistryClient(RegistryConfig.of(infra.registryUrl()));
        IngestService gateway =
            new IngestService(config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
      gateway.start();
      Topics topics = Topics.create(prefix, registry);
      int port = gateway.httpPort();
      int connections = concurrency;
      for (String level : options.get("single.concurrency").split(",")) {
        connections = Math.max(connections, Integer.parseInt(level.trim()));
      }
      HttpClient client =
          vertx.createHttpClient(
              new HttpClientOptions().setDefaultHost("127.0.0.1").setKeepAlive(true),
              new PoolOptions().setHttp1MaxSize(connections));
      HttpServer bare = bareEndpoint(vertx);
      String batchBody = batchBody(batchSize);

      if (options.get("only").equals("batch")) {
        results.add(
            closedLoop(
                "gateway, batches of " + batchSize + " (events/s)",
                () -> post(client, port, "/v1/feedback", batchBody, 202),
                concurrency,
                seconds,
                batchSize));
        results.forEach(System.out::println);
        System.exit(0);
      }
      if (options.get("only").equals("single")) {
        // For profiling: only the gateway's single-event phase, for as long as asked.
        results.add(
            closedLoop(
                "gateway, single events (requests/s)",
                () -> post(client, port, "/v1/feedback", SINGLE, 202),
                concurrency,
                seconds,
                1));
        results.forEach(System.out::println);
        System.exit(0);
      }
      // Rounds alternate each endpoint with its baseline, so that load from elsewhere on the
      // machine hits both alike; the ratios are the medians of the per-round ratios.
      int rounds = Integer.parseInt(options.get("rounds"));
      List<Double> batchRatios = new ArrayList<>();
      List<Double> singleRatios = new ArrayList<>();
      Result raw = null;
      Result batches = null;
      Result bareSingle = null;
      Result single = null;
      for (int round = 1; round <= rounds; round++) {
        String suffix = rounds > 1 ? ", round " + round : "";
        boolean singleOnly = options.get("only").equals("singles");
        if (!singleOnly) {
          Result rawRun = rawProducer(infra.bootstrapServers(), topics, seconds, suffix);
          Result batchRun =
              closedLoop(
                  "gateway, batches of " + batchSize + " (events/s)" + suffix,
                  () -> post(client, port, "/v1/feedback", batchBody, 202),
                  concurrency,
                  seconds,
                  batchSize);
          results.add(rawRun);
          results.add(batchRun);
          batchRatios.add(batchRun.perSecond() / rawRun.perSecond());
          raw = best(raw, rawRun);
          batches = best(batches, batchRun);
        }
        // A request waits for Kafka's acknowledgement, so its throughput depends on how many are
        // outstanding: each endpoint is measured at every concurrency and judged by its best.
        Result bareBest = null;
        Result singleBest = null;
        for (String level : options.get("single.concurrency").split(",")) {
          int c = Integer.parseInt(level.trim());
          Result bareRun =
              closedLoop(
                  "bare Vert.x endpoint, single events, " + c + " concurrent (requests/s)" + suffix,
                  () -> post(client, bare.actualPort(), "/v1/feedback", SINGLE, 202),
                  c,
                  seconds,
                  1);
          Result gatewayRun =
              closedLoop(
                  "gateway, single events, " + c + " concurrent (requests/s)" + suffix,
                  () -> post(client, port, "/v1/feedback", SINGLE, 202),
                  c,
                  seconds,
                  1);
          results.add(bareRun);
          results.add(gatewayRun);
          bareBest = best(bareBest, bareRun);
          singleBest = best(singleBest, gatewayRun);
        }
        singleRatios.add(singleBest.perSecond() / bareBest.perSecond());
        bareSingle = best(bareSingle, bareBest);
        single = best(single, singleBest);
      }
      double half = single.perSecond() / 2;
      results.add(
          fixedRate(
              "gateway, single events at half the maximum rate (" + Math.round(half) + "/s)",
              vertx,
              () -> post(client, port, "/v1/feedback", SINGLE, 202),
              half,
              seconds));

      // only=singles: the bare endpoint and the gateway in rounds, then half the rate; no predict.
      if (!options.get("only").equals("singles") && Boolean.parseBoolean(options.get("predict"))) {
        release(topics, infra.bootstrapServers(), artifacts, gateway, client, port);
        String predictBody = new JsonObject().put("text", "a large carnivorous feline").encode();
        Result predict =
            closedLoop(
                "gateway, predict single texts (requests/s)",
                () -> post(client, port, "/v1/models/topics/predict", predictBody, 200),
                concurrency,
                seconds,
                1);
        results.add(predict);
        results.add(
            fixedRate(
                "gateway, predict at half the maximum rate ("
                    + Math.round(predict.perSecond() / 2)
                    + "/s)",
                vertx,
                () -> post(client, port, "/v1/models/topics/predict", predictBody, 200),
                predict.perSecond() / 2,
                seconds));
      }
      print(
          results, batchRatios.isEmpty() ? Double.NaN : median(batchRatios), median(singleRatios));
      bare.close();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    System.exit(0);
  }

  private static Result best(Result current, Result candidate) {
    return current == null || candidate.perSecond() > current.perSecond() ? candidate : current;
  }

  private static void print(List<Result> results, double batchRatio, double singleRatio) {
    System.out.println("| phase | throughput /s | p50 ms | p99 ms | errors |");
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
    System.out.printf(
        Locale.ROOT,
        "%nRatios (median over rounds): batches / raw producer = %.2f (target >= 0.5); single /"
            + " bare endpoint (best concurrency of each) = %.2f (target >= 0.5)%n",
        batchRatio,
        singleRatio);
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  static Future<Integer> post(HttpClient client, int port, String path, String body, int ok) {
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setPort(port)
            .setURI(path)
            .putHeader("Content-Type", "application/json")
            .putHeader("Authorization", "Bearer " + KEY);
    return client
        .request(options)
        .compose(request -> request.send(Buffer.buffer(body)))
        .compose(response -> response.body().map(b -> response.statusCode()))
        .map(status -> status == ok ? 1 : 0);
  }

  /** {@code concurrency} requests always outstanding; a request succeeds when it maps to 1. */
  static Result closedLoop(
      String name,
      Supplier<Future<Integer>> request,
      int concurrency,
      int seconds,
      int unitsPerRequest)
      throws InterruptedException {
    run(
        request,
        concurrency,
        WARM_UP_SECONDS,
        new Histogram(3),
        new AtomicLong(),
        new AtomicLong());
    Histogram latency = new Histogram(3);
    AtomicLong ok = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long started = System.nanoTime();
    run(request, concurrency, seconds, latency, ok, errors);
    double elapsed = (System.nanoTime() - started) / 1e9;
    return new Result(
        name,
        ok.get() * unitsPerRequest / elapsed,
        latency.getValueAtPercentile(50),
        latency.getValueAtPercentile(99),
        errors.get());
  }

  private static void run(
      Supplier<Future<Integer>> request,
      int concurrency,
      int seconds,
      Histogram latency,
      AtomicLong ok,
      AtomicLong errors)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    CountDownLatch done = new CountDownLatch(concurrency);
    for (int i = 0; i < concurrency; i++) {
      loop(request, deadline, latency, ok, errors, done);
    }
    done.await(seconds + 60L, TimeUnit.SECONDS);
  }

  private static void loop(
      Supplier<Future<Integer>> request,
      long deadline,
      Histogram latency,
      AtomicLong ok,
      AtomicLong errors,
      CountDownLatch done) {
    if (System.nanoTime() > deadline) {
      done.countDown();
      return;
    }
    long sent = System.nanoTime();
    request
        .get()
        .onComplete(
            result -> {
              synchronized (latency) {
                latency.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
              }
              if (result.succeeded() && result.result() == 1) {
                ok.incrementAndGet();
              } else {
                errors.incrementAndGet();
              }
              loop(request, deadline, latency, ok, errors, done);
            });
  }

  /**
   * Open loop: requests start on schedule; latency counts from the scheduled start. The first
   * {@link #WARM_UP_SECONDS} of the schedule run at the same rate but are not measured (as every
   * closed-loop phase warms up): the phase before leaves the gateway in another state, and the
   * backlog a cold start builds would otherwise be counted as the steady state's tail.
   */
  static Result fixedRate(
      String name, Vertx vertx, Supplier<Future<Integer>> request, double rate, int seconds)
      throws InterruptedException {
    Histogram latency = new Histogram(3);
    AtomicLong ok = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long warmUp = Math.round(rate * WARM_UP_SECONDS);
    long total = warmUp + Math.round(rate * seconds);
    CountDownLatch finished = new CountDownLatch((int) total);
    long start = System.nanoTime();
    long measuredFrom = start + TimeUnit.SECONDS.toNanos(WARM_UP_SECONDS);
    AtomicLong lastDone = new AtomicLong(measuredFrom);
    AtomicLong issued = new AtomicLong();
    long timer =
        vertx.setPeriodic(
            1,
            id -> {
              long due = Math.min(total, (long) ((System.nanoTime() - start) / 1e9 * rate));
              while (issued.get() < due) {
                long n = issued.getAndIncrement();
                long scheduled = start + (long) (n / rate * 1e9);
                request
                    .get()
                    .onComplete(
                        result -> {
                          if (n >= warmUp) {
                            long now = System.nanoTime();
                            synchronized (latency) {
                              latency.recordValue(Math.max(1, (now - scheduled) / 1000));
                            }
                            lastDone.accumulateAndGet(now, Math::max);
                            if (result.succeeded() && result.result() == 1) {
                              ok.incrementAndGet();
                            } else {
                              errors.incrementAndGet();
                            }
                          }
                          finished.countDown();
                        });
              }
            });
    finished.await(WARM_UP_SECONDS + seconds + 60L, TimeUnit.SECONDS);
    vertx.cancelTimer(timer);
    double elapsed = (lastDone.get() - measuredFrom) / 1e9;
    return new Result(
        name,
        ok.get() / elapsed,
        latency.getValueAtPercentile(50),
        latency.getValueAtPercentile(99),
        errors.get());
  }

  /** The Kafka ceiling: the same events, same serde, same broker, acks=all idempotent. */
  private static Result rawProducer(String bootstrap, Topics topics, int seconds, String suffix)
      throws Exception {
    Topic<String, FeedbackReceived> topic = topics.feedback();
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 2);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
    Properties adminProps = new Properties();
    adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(adminProps)) {
      TopicEnsurer.ensure(admin, List.of(topic), (short) 1, java.time.Duration.ofSeconds(30));
    }
    Histogram latency = new Histogram(3);
    AtomicLong acked = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    Semaphore inFlight = new Semaphore(20_000);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int phase = 0; phase < 2; phase++) {
        boolean measured = phase == 1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(measured ? seconds : 2);
        long started = System.nanoTime();
        acked.set(0);
        while (System.nanoTime() < deadline) {
          inFlight.acquire();
          long sent = System.nanoTime();
          String predictionId = "p-" + sent;
          // Serialized per record, as the gateway does.
          byte[] key = topic.keySerde().serializer().serialize(topic.name(), predictionId);
          byte[] value =
              topic.valueSerde().serializer().serialize(topic.name(), event(predictionId));
          producer.send(
              new ProducerRecord<>(topic.name(), key, value),
              (metadata, error) -> {
                inFlight.release();
                if (error != null) {
                  errors.incrementAndGet();
                  return;
                }
                acked.incrementAndGet();
                if (measured) {
                  synchronized (latency) {
                    latency.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
                  }
                }
              });
        }
        producer.flush();
        if (measured) {
          double elapsed = (System.nanoTime() - started) / 1e9;
          return new Result(
              "raw KafkaProducer, same events (events/s)" + suffix,
              acked.get() / elapsed,
              latency.getValueAtPercentile(50),
              latency.getValueAtPercentile(99),
              errors.get());
        }
      }
    }
    throw new IllegalStateException("unreachable");
  }

  private static FeedbackReceived event(String predictionId) {
    String id = UUID.randomUUID().toString();
    return FeedbackReceived.newBuilder()
        .setFeedbackId(id)
        .setIdempotencyId(id)
        .setKind(FeedbackKind.THUMBS_UP)
        .setPredictionId(predictionId)
        .setComment("fine")
        .setApp("bench")
        .setTimestamp(Instant.now())
        .build();
  }

  private static String batchBody(int size) {
    JsonArray batch = new JsonArray();
    for (int i = 0; i < size; i++) {
      batch.add(
          new JsonObject()
              .put("kind", "thumbs_up")
              .put("prediction_id", "p-" + i)
              .put("comment", "fine"));
    }
    return batch.encode();
  }

  /** The HTTP ceiling: reads the same requests and answers 202 without doing anything. */
  private static HttpServer bareEndpoint(Vertx vertx) throws Exception {
    Router router = Router.router(vertx);
    router.post("/v1/feedback").handler(BodyHandler.create(false).setBodyLimit(1024 * 1024));
    router
        .post("/v1/feedback")
        .handler(
            ctx ->
                ctx.response()
                    .setStatusCode(202)
                    .putHeader("Content-Type", "application/json")
                    .end("{\"status\":\"accepted\"}"));
    return vertx
        .createHttpServer()
        .requestHandler(router)
        .listen(0, "127.0.0.1")
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  /** Trains the default model (bag) on WordNet topics and releases it; waits until it serves. */
  private static void release(
      Topics topics,
      String bootstrap,
      Path artifacts,
      IngestService gateway,
      HttpClient client,
      int port)
      throws Exception {
    List<Example> all = new ArrayList<>(WordNetTopics.load(WordNetTopics.Variant.TOPICS_8));
    Collections.shuffle(all, new Random(3));
    List<Example> examples = all.subList(0, 4000);
    List<String> labels = WordNetTopics.labels(WordNetTopics.Variant.TOPICS_8);
    byte[] bundle =
        TextClassifierTrainer.train(
                TrainingRequest.builder()
                    .setExamples(examples)
                    .setModelName("topics")
                    .setVersion("1")
                    .optHyperparameters(
                        Hyperparameters.defaults().withValues(Map.of("epochs", "2")))
                    .optLabels(labels)
                    .build())
            .bundle()
            .toByteArray();
    StoredArtifact stored = new FileArtifactStore(artifacts).put("topics", "1", bundle);
    ModelReleased release =
        ModelReleased.newBuilder()
            .setReleaseId(UUID.randomUUID().toString())
            .setModel(Events.ref("topics", 1))
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
      producer.send(new ProducerRecord<>(topics.releases().name(), "topics", release)).get();
    }
    String body = new JsonObject().put("text", "a dog").encode();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      Integer ok =
          post(client, port, "/v1/models/topics/predict", body, 200)
              .toCompletionStage()
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      if (ok == 1) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the model was not served within 120 s");
  }
}
