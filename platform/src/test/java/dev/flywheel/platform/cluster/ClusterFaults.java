package dev.flywheel.platform.cluster;

import dev.flywheel.artifacts.s3.S3rverProcess;
import dev.flywheel.common.kafka.CrashPoint;
import dev.flywheel.events.TrainingPhase;
import dev.flywheel.events.TrainingProgress;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.Topics;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.data.WordNetTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The fault harness (bench/cluster/run.sh): Flywheel on a three-broker cluster with two gateways,
 * two feedback instances, two trainer workers and the evaluator, each its own process, while an app
 * uploads to both gateways. Each fault runs in turn on its own model and prints one Markdown row of
 * figures counted from the topics ({@code read_committed}).
 *
 * <pre>
 * ClusterFaults [faults=leader,pause,feedback,gateway,worker,evaluator,evaluator-commit]
 *               [store=file|s3] [dir=target/cluster]
 * </pre>
 */
public final class ClusterFaults {
  private static final Duration WAIT = Duration.ofMinutes(4);
  private static final String BUCKET = "flywheel-cluster";
  private static final long SECOND = 1_000_000_000L;

  private final KafkaCluster kafka;
  private final FlywheelProcesses flywheel;
  private final Topics topics;
  private final Ledger ledger;
  private final List<FlywheelProcesses.Gateway> gateways = new ArrayList<>();
  private final Map<String, ChildJvm> feedback = new LinkedHashMap<>();
  private final Map<String, ChildJvm> trainers = new LinkedHashMap<>();
  private ChildJvm evaluator;
  private final List<Example> examples =
      ExampleSender.distinctTexts(WordNetTopics.load(WordNetTopics.Variant.TOPICS_8), 7);

  private ClusterFaults(KafkaCluster kafka, FlywheelProcesses flywheel) throws Exception {
    this.kafka = kafka;
    this.flywheel = flywheel;
    this.topics = Topics.create(SchemaRegistryClient.create(flywheel.startRegistry()));
    this.ledger = new Ledger(kafka.bootstrapServers(), topics);
    gateways.add(flywheel.startGateway("gateway-1"));
    gateways.add(flywheel.startGateway("gateway-2"));
    for (String name : List.of("feedback-1", "feedback-2")) {
      feedback.put(name, flywheel.startFeedback(name));
    }
    for (String name : List.of("trainer-a", "trainer-b")) {
      trainers.put(name + "-0", flywheel.startTrainer(name));
    }
    evaluator = flywheel.startEvaluator("evaluator-1");
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (String arg : args) {
      String[] pair = arg.split("=", 2);
      options.put(pair[0], pair.length > 1 ? pair[1] : "");
    }
    List<String> faults =
        Arrays.asList(
            options
                .getOrDefault(
                    "faults", "leader,pause,feedback,gateway,worker,evaluator,evaluator-commit")
                .split(","));
    Path dir = Files.createTempDirectory(Path.of(options.getOrDefault("dir", "target")), "cluster");
    System.out.println("Logs and data: " + dir.toAbsolutePath());
    boolean s3 = options.getOrDefault("store", "file").equals("s3");
    try (S3rverProcess server = s3 ? S3rverProcess.start(dir.resolve("s3"), BUCKET) : null;
        KafkaCluster kafka = KafkaCluster.start(dir.resolve("kafka"), 3);
        FlywheelProcesses flywheel =
            new FlywheelProcesses(
                kafka,
                dir,
                s3
                    ? FlywheelProcesses.Store.s3(
                        server.endpoint(),
                        BUCKET,
                        S3rverProcess.ACCESS_KEY,
                        S3rverProcess.SECRET_KEY)
                    : FlywheelProcesses.Store.file(dir.resolve("artifacts")))) {
      System.out.println("Artifact store: " + (s3 ? "S3 (s3rver) " + server.endpoint() : "file:"));
      ClusterFaults harness = new ClusterFaults(kafka, flywheel);
      System.out.println(
          "| fault | acknowledged | lost | duplicate examples | duplicate candidates"
              + " | duplicate decisions | duplicate releases | seconds to progress"
              + " | ingest during / before |");
      System.out.println("|---|---|---|---|---|---|---|---|---|");
      for (String fault : faults) {
        System.out.println(harness.run(fault.trim()));
      }
    }
  }

  private String run(String fault) throws Exception {
    return switch (fault) {
      case "leader" -> ingestFault(fault, this::killLeader);
      case "pause" -> ingestFault(fault, this::pauseLeader);
      case "feedback" -> ingestFault(fault, this::killFeedback);
      case "gateway" -> ingestFault(fault, this::killGateway);
      case "worker" -> killWorker();
      case "evaluator" -> killEvaluator();
      case "evaluator-commit" -> crashEvaluatorBeforeCommit();
      default -> throw new IllegalArgumentException("unknown fault " + fault);
    };
  }

  /** A fault and its recovery, run while the app uploads. */
  private interface Action {
    String run() throws Exception;
  }

  private String ingestFault(String fault, Action action) throws Exception {
    String model = "fault-" + fault;
    createModel(model, 8);
    ExampleSender sender =
        new ExampleSender(
            gateways.stream().map(FlywheelProcesses.Gateway::url).toList(),
            FlywheelProcesses.APP_KEY,
            model,
            examples,
            10,
            Integer.MAX_VALUE,
            0);
    Thread app = new Thread(sender, "app-" + fault);
    try (OffsetWatcher watcher = new OffsetWatcher(kafka, topics.examples().name())) {
      app.start();
      // Ten seconds of warm-up (connections, JIT), then the ten seconds "before" is measured on.
      Thread.sleep(20_000);
      long start = System.nanoTime();
      String what = action.run();
      long end = System.nanoTime();
      Thread.sleep(10_000);
      sender.stop();
      app.join(30_000);
      Set<String> acknowledged = sender.acknowledged();
      awaitQuietly(() -> ledger.examples(model).size() >= acknowledged.size());
      double before = sender.rate(start - 10 * SECOND, start);
      double during = sender.rate(start, end);
      double stall =
          Math.max(sender.longestStallSeconds(start), watcher.longestStallSeconds(start));
      return String.format(
          Locale.ROOT,
          "| %s | %,d | %d | %d | – | – | – | %.1f | %.0f / %.0f items/s (%.2f) |",
          what,
          acknowledged.size(),
          ledger.lost(acknowledged).size(),
          Ledger.duplicates(ledger.examples(model)),
          stall,
          during,
          before,
          during / before);
    }
  }

  private String killLeader() throws Exception {
    int leader = kafka.leaderOfMost(List.of(topics.feedback().name(), topics.examples().name()));
    kafka.kill(leader);
    Thread.sleep(10_000);
    kafka.restart(leader);
    kafka.awaitInSync(List.of(topics.feedback().name(), topics.examples().name()), WAIT);
    return "kill -9 broker "
        + leader
        + " (leads most feedback/examples partitions), restart after 10 s";
  }

  private String pauseLeader() throws Exception {
    int leader = kafka.leaderOfMost(List.of(topics.feedback().name(), topics.examples().name()));
    kafka.broker(leader).pause();
    Thread.sleep(30_000);
    kafka.broker(leader).resume();
    kafka.awaitInSync(List.of(topics.feedback().name(), topics.examples().name()), WAIT);
    return "SIGSTOP broker " + leader + " for 30 s";
  }

  private String killFeedback() throws Exception {
    ChildJvm victim = feedback.get("feedback-1");
    victim.kill();
    Thread.sleep(10_000);
    victim.start();
    return "kill -9 feedback-1 of 2, restart after 10 s";
  }

  private String killGateway() throws Exception {
    FlywheelProcesses.Gateway victim = gateways.get(0);
    victim.process().kill();
    Thread.sleep(10_000);
    flywheel.restart(victim);
    return "kill -9 gateway-1 of 2 (the app retries on the other), restart after 10 s";
  }

  private String killWorker() throws Exception {
    String model = "fault-worker";
    upload(model, 40);
    String request = retrain(model, false);
    TrainingProgress checkpoint = awaitProgress(request, null, TrainingPhase.CHECKPOINT);
    String killed = checkpoint.getWorker();
    long killedAt = System.nanoTime();
    trainers.get(killed).kill();
    TrainingProgress resumed = awaitProgress(request, killed, TrainingPhase.EPOCH);
    double progress = (System.nanoTime() - killedAt) / 1e9;
    await(() -> !ledger.candidates(request).isEmpty());
    int version = ledger.candidates(request).get(0).getModel().getVersion();
    await(() -> ledger.decisions(model).containsKey(version));
    Thread.sleep(5_000);
    trainers.get(killed).start();
    return trainingRow(
        "kill -9 the training worker after epoch "
            + checkpoint.getEpoch()
            + " (the other resumed at epoch "
            + resumed.getEpoch()
            + ")",
        model,
        request,
        progress);
  }

  /**
   * Kills the evaluator while it evaluates: the moment the candidate is committed (it then reads
   * the candidate, loads the bundle and scores the holdout inside its transaction). A kill exactly
   * between the decision's write and its commit cannot be aimed at from outside the process: a
   * {@code read_uncommitted} consumer sees the decision only once it is replicated, and the
   * evaluator commits within milliseconds of that (an earlier run tried and was always too late);
   * {@link #crashEvaluatorBeforeCommit} uses the crash point for it.
   */
  private String killEvaluator() throws Exception {
    String model = "fault-evaluator";
    upload(model, 8);
    String request = retrain(model, false);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (ledger.candidates(request).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    evaluator.kill();
    long killedAt = System.nanoTime();
    boolean decidedBefore = !ledger.decisions(model).isEmpty();
    evaluator.start();
    await(() -> !ledger.decisions(model).isEmpty());
    double progress = (System.nanoTime() - killedAt) / 1e9;
    Thread.sleep(5_000);
    return trainingRow(
        "kill -9 the evaluator as the candidate appeared ("
            + (decidedBefore ? "it had already decided" : "before its decision")
            + "), restart at once",
        model,
        request,
        progress);
  }

  /**
   * Kills the evaluator exactly between its decision and its commit, the moment {@link
   * #killEvaluator} cannot aim at from outside: an evaluator started with the crash point armed
   * ({@code FLYWHEEL_CRASH_BEFORE_COMMIT}, see {@code CrashPoint}) halts as {@code kill -9} would
   * once its decision's transaction is in the log, uncommitted; then the usual evaluator starts.
   */
  private String crashEvaluatorBeforeCommit() throws Exception {
    String model = "fault-evaluator-commit";
    evaluator.kill();
    // The same instance id, so that the restarted evaluator's producer has the armed one's
    // transactional.id and aborts its open transaction at once, as a restarted process would.
    ChildJvm armed =
        flywheel.startEvaluator(
            "evaluator-armed",
            Map.of(
                CrashPoint.ENV,
                topics.evaluations().name(),
                "FLYWHEEL_INSTANCE_ID",
                "evaluator-1"));
    upload(model, 8);
    String request = retrain(model, false);
    await(() -> !armed.isAlive());
    long haltedAt = System.nanoTime();
    boolean halted = armed.tail(200).contains("CrashPoint: halting");
    boolean committedBefore = !ledger.decisions(model).isEmpty();
    armed.close();
    evaluator.start();
    await(() -> !ledger.decisions(model).isEmpty());
    double progress = (System.nanoTime() - haltedAt) / 1e9;
    Thread.sleep(5_000);
    return trainingRow(
        "kill the evaluator between its decision and its commit ("
            + (halted ? "halted at the crash point" : "NOT halted at the crash point")
            + (committedBefore ? ", yet a decision was committed" : ", nothing committed")
            + "), restart",
        model,
        request,
        progress);
  }

  private String trainingRow(String what, String model, String request, double progress) {
    Map<Integer, Long> releases = new HashMap<>();
    ledger.releases(model).forEach(r -> releases.merge(r.getModel().getVersion(), 1L, Long::sum));
    return String.format(
        Locale.ROOT,
        "| %s | – | – | – | %d | %d | %d | %.1f | – |",
        what,
        ledger.candidates(request).size() - 1,
        Ledger.duplicates(ledger.decisions(model)),
        Ledger.duplicates(releases),
        progress);
  }

  private void upload(String model, int epochs) throws Exception {
    createModel(model, epochs);
    ExampleSender sender =
        new ExampleSender(
            List.of(gateways.get(0).url()), FlywheelProcesses.APP_KEY, model, examples, 50, 600, 0);
    sender.run();
    await(() -> ledger.examples(model).size() >= sender.acknowledgedCount());
  }

  private TrainingProgress awaitProgress(String request, String notWorker, TrainingPhase phase)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      for (TrainingProgress p : ledger.reader().read(topics.trainingProgress())) {
        if (p.getRequestId().equals(request)
            && p.getPhase() == phase
            && !p.getWorker().equals(notWorker)) {
          return p;
        }
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("No " + phase + " progress for " + request);
  }

  private void createModel(String model, int epochs) throws Exception {
    FlywheelProcesses.admin(
        gateways.get(1).url(), "PUT", "/v1/models/" + model, FlywheelProcesses.topicsSpec(epochs));
  }

  private String retrain(String model, boolean force) throws Exception {
    return FlywheelProcesses.admin(
            gateways.get(1).url(),
            "POST",
            "/v1/models/" + model + "/retrain",
            Map.of("force", force))
        .path("request_id")
        .asText();
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    if (!awaitQuietly(condition)) {
      throw new IllegalStateException("Timed out after " + WAIT);
    }
  }

  private static boolean awaitQuietly(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(1_000);
    }
    return false;
  }
}
