package dev.flywheel.trainer;

import dev.flywheel.common.snapshot.ExampleSnapshot;
import dev.flywheel.common.snapshot.ExampleSnapshotReader;
import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.slm.Hyperparameters;
import dev.flywheel.slm.TextClassifierTrainer;
import dev.flywheel.slm.TrainingRequest;
import dev.flywheel.slm.TrainingResult;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The same training job through the whole trainer service (retrain request to committed candidate:
 * views, examples snapshot from Kafka, training with per-epoch checkpoints in the artifact store
 * and progress events, bundle upload, outcome transaction) against the bare {@code slm} training
 * call on the same examples and hyperparameters, alternating in one JVM on the embedded broker.
 *
 * <p>Run: {@code mvn -B -o -pl trainer-service test-compile exec:java
 * -Dexec.mainClass=dev.flywheel.trainer.TrainerBenchmark -Dexec.classpathScope=test
 * -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 [-Dbench.perLabel=1000 -Dbench.epochs=5
 * -Dbench.rounds=3 -Dbench.architecture=bag]}
 */
public final class TrainerBenchmark {
  private TrainerBenchmark() {}

  public static void main(String[] args) throws Exception {
    int perLabel = Integer.getInteger("bench.perLabel", 1000);
    int epochs = Integer.getInteger("bench.epochs", 5);
    int rounds = Integer.getInteger("bench.rounds", 3);
    String architecture = System.getProperty("bench.architecture", "bag");
    Map<String, String> hp = new HashMap<>();
    hp.put("epochs", Integer.toString(epochs));
    hp.put("patience", "0");
    Path dir = Files.createTempDirectory("trainer-bench");
    EmbeddedInfra infra = EmbeddedInfra.shared();
    List<Long> bare = new ArrayList<>();
    List<Long> checkpointed = new ArrayList<>();
    List<Long> service = new ArrayList<>();
    List<Long> serviceRun = new ArrayList<>();
    List<Double> inRun = new ArrayList<>();
    int trainExamples;
    try (TrainerHarness harness = new TrainerHarness(infra, dir)) {
      harness.spec("bench", TrainerHarness.LABELS, architecture, hp);
      harness.examples("bench", TrainerHarness.wordnet(perLabel), 1f);
      TrainerService trainer =
          harness.start("bench", Map.of("FLYWHEEL_TRAINER_PROGRESS_INTERVAL", "5s"));
      Recipe recipe = Recipe.of(harness.read(harness.topics.modelSpecs()).get(0));
      TrainingSet set;
      try (ExampleSnapshotReader reader = harness.snapshotReader()) {
        ExampleSnapshot snapshot = reader.take(harness.topics.examples().name(), "bench");
        set = TrainingSet.of(snapshot.training(), recipe.labels());
      }
      trainExamples = set.examples().size();
      // Warm-up: engine, JIT and the first transaction, once each way, not measured.
      bareTraining(recipe.hyperparameters().withValues(Map.of("epochs", "1")), recipe, set, null);
      try (KafkaConsumer<byte[], byte[]> tail = tail(harness)) {
        serviceTraining(harness, tail);
        for (int round = 0; round < rounds; round++) {
          bare.add(bareTraining(recipe.hyperparameters(), recipe, set, null));
          checkpointed.add(
              bareTraining(
                  recipe.hyperparameters(), recipe, set, dir.resolve("bare-" + round + ".ckpt")));
          long[] s = serviceTraining(harness, tail);
          service.add(s[0]);
          serviceRun.add(s[1]);
          inRun.add(overhead(s[0], s[2]));
        }
      }
      harness.stop(trainer);
    }
    // The machine is shared: the fastest of several rounds is the least disturbed figure of a
    // fixed amount of work, so the overhead is given on minimums, medians beside.
    long bareMin = Collections.min(bare);
    long checkpointedMin = Collections.min(checkpointed);
    long serviceMin = Collections.min(service);
    System.out.printf(
        Locale.ROOT,
        "%n| architecture | examples (train+validation) | epochs | rounds | bare slm train ms (min / median) |"
            + " bare + slm per-epoch checkpoint file ms (min / median) |"
            + " request -> candidate ms (min / median) | overhead vs bare (min / median) |"
            + " overhead vs bare + checkpoint file (min / median) |%n"
            + "|---|---|---|---|---|---|---|---|---|%n"
            + "| %s | %d | %d | %d | %d / %d | %d / %d | %d / %d | %.1f %% / %.1f %% | %.1f %% / %.1f %% |%n"
            + "raw: bare %s, bare+checkpoint %s, service %s, run durations in candidates %s%n"
            + "in-run overhead (request -> candidate vs the slm call inside that run): %s, median %.1f %%%n",
        architecture,
        trainExamples,
        epochs,
        rounds,
        bareMin,
        median(bare),
        checkpointedMin,
        median(checkpointed),
        serviceMin,
        median(service),
        overhead(serviceMin, bareMin),
        overhead(median(service), median(bare)),
        overhead(serviceMin, checkpointedMin),
        overhead(median(service), median(checkpointed)),
        bare,
        checkpointed,
        service,
        serviceRun,
        inRun.stream().map(v -> String.format(Locale.ROOT, "%.1f %%", v)).toList(),
        inRun.stream().sorted().toList().get(inRun.size() / 2));
    // Each service run against the bare runs of its own round (they ran back to back), which
    // cancels load that shifts between rounds better than comparing minimums or medians.
    List<Double> pairedBare = new ArrayList<>();
    List<Double> pairedCheckpointed = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      pairedBare.add(overhead(service.get(round), bare.get(round)));
      pairedCheckpointed.add(overhead(service.get(round), checkpointed.get(round)));
    }
    System.out.printf(
        Locale.ROOT,
        "overhead per round vs bare: %s, median %.1f %%; vs bare + checkpoint file: %s, median %.1f"
            + " %%%n",
        pairedBare.stream().map(v -> String.format(Locale.ROOT, "%.1f %%", v)).toList(),
        pairedBare.stream().sorted().toList().get(rounds / 2),
        pairedCheckpointed.stream().map(v -> String.format(Locale.ROOT, "%.1f %%", v)).toList(),
        pairedCheckpointed.stream().sorted().toList().get(rounds / 2));
    // Each round stores ~200 MB of checkpoints and bundles: leave nothing behind.
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
    System.exit(0);
  }

  /** The bare slm call; with {@code checkpoint}, slm also writes its per-epoch checkpoint file. */
  private static long bareTraining(
      Hyperparameters hp, Recipe recipe, TrainingSet set, Path checkpoint) {
    TrainingRequest.Builder request =
        TrainingRequest.builder()
            .setExamples(set.examples())
            .setModelName("bench-bare")
            .setVersion("v1")
            .optHyperparameters(hp)
            .optLabels(recipe.labels());
    if (checkpoint != null) {
      request.optCheckpointFile(checkpoint);
    }
    long start = System.nanoTime();
    TrainingResult result = TextClassifierTrainer.train(request.build());
    long ms = (System.nanoTime() - start) / 1_000_000;
    System.out.printf(
        Locale.ROOT,
        "bare%s: %d ms, %d epochs%n",
        checkpoint == null ? "" : " with checkpoint file",
        ms,
        result.epochsRun());
    return ms;
  }

  /**
   * Returns the wall time from sending the request to seeing the committed candidate (a consumer
   * that stays assigned to the candidates topic, so detection costs one poll), and the run duration
   * the candidate reports.
   */
  private static long[] serviceTraining(TrainerHarness harness, KafkaConsumer<byte[], byte[]> tail)
      throws Exception {
    long start = System.nanoTime();
    // Every round trains the same examples again, so each request has to be forced.
    harness.forcedRequest("bench");
    while (true) {
      for (ConsumerRecord<byte[], byte[]> record : tail.poll(Duration.ofMillis(5))) {
        long ms = (System.nanoTime() - start) / 1_000_000;
        ModelCandidate candidate =
            harness
                .topics
                .candidates()
                .valueSerde()
                .deserializer()
                .deserialize(record.topic(), record.value());
        System.out.printf(
            Locale.ROOT,
            "service: %d ms (run %d ms, %d epochs)%n",
            ms,
            candidate.getDurationMillis(),
            candidate.getEpochs());
        long trainMs = Math.round(candidate.getTrainingMetrics().get("trainSeconds") * 1000);
        System.out.printf(
            Locale.ROOT,
            "  of which the slm training call: %d ms (in-run overhead %.1f %%)%n",
            trainMs,
            overhead(ms, trainMs));
        return new long[] {ms, candidate.getDurationMillis(), trainMs};
      }
    }
  }

  private static KafkaConsumer<byte[], byte[]> tail(TrainerHarness harness) {
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            ExampleSnapshotReader.consumerConfig(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, harness.infra.bootstrapServers())),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    String topic = harness.topics.candidates().name();
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic).stream()
            .map(p -> new TopicPartition(topic, p.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    return consumer;
  }

  private static double overhead(long measured, long baseline) {
    return 100.0 * (measured - baseline) / baseline;
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
