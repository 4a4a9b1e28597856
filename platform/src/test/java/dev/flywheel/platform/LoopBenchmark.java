package dev.flywheel.platform;

import dev.flywheel.events.ModelCandidate;
import dev.flywheel.slm.BundleException;
import dev.flywheel.slm.Classifier;
import dev.flywheel.slm.Evaluator;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.Hyperparameters;
import dev.flywheel.slm.TextClassifierTrainer;
import dev.flywheel.slm.TrainingRequest;
import dev.flywheel.slm.data.TangPoets;
import dev.flywheel.slm.data.TsvDataset;
import dev.flywheel.slm.data.WordNetTopics;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Loop-efficacy benchmark (not a test): replays labeled corpora through the real embedded platform
 * exactly as {@code flywheel demo} does (the same simulated app and users, noise, spec and
 * thresholds, fixed seeds) until the app has asked about every text and the loop has settled; then,
 * for every released version, puts beside the champion's holdout accuracy (from its evaluation) the
 * same recipe trained offline from scratch on exactly that version's training examples (read again
 * from the examples topic at the candidate's snapshot offsets; same hyperparameters and seed) and
 * the TF-IDF + logistic-regression reference on those examples, all scored on that version's
 * holdout. Prints one Markdown row per release, the loop's events go to standard error.
 *
 * <p>Arguments ({@code key=value}): {@code corpus=topics8,categories26,tang8,spam,fortunes-de}
 * {@code limit=3000} (texts per corpus, a seeded sample) {@code data=data} (folder of the TSV
 * corpora) {@code architecture=bag} {@code seed=7} {@code seedSize=500} {@code rate=25} {@code
 * react=0.6} {@code noise=0.03} {@code minNewExamples=300} {@code duration=PT15M} (per corpus).
 */
public final class LoopBenchmark {
  private LoopBenchmark() {}

  /** One release and what the same examples give offline. */
  record Result(
      String corpus,
      int version,
      long trainedOn,
      int holdout,
      double champion,
      double offline,
      double reference,
      double triggerToReleaseSeconds,
      boolean warmStarted) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("corpus", "topics8,categories26,tang8,spam,fortunes-de");
    o.put("limit", "3000");
    o.put("data", "data");
    o.put("architecture", "bag");
    o.put("seed", "7");
    o.put("seedSize", "500");
    o.put("rate", "25");
    o.put("react", "0.6");
    o.put("noise", "0.03");
    o.put("minNewExamples", "300");
    o.put("duration", "PT15M");
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      if (!o.containsKey(kv[0]) || kv.length != 2) {
        throw new IllegalArgumentException(
            "unknown option " + arg + " (known: " + o.keySet() + ")");
      }
      o.put(kv[0], kv[1]);
    }
    System.out.println("options: " + o);
    List<Result> all = new ArrayList<>();
    for (String corpus : o.get("corpus").split(",")) {
      List<Result> results = run(corpus, o);
      all.addAll(results);
      print(results, System.out);
    }
    System.out.println();
    System.out.println("All corpora:");
    print(all, System.out);
  }

  static List<Result> run(String corpus, Map<String, String> o) throws Exception {
    List<Example> examples = load(corpus, Path.of(o.get("data")));
    long seed = Long.parseLong(o.get("seed"));
    int limit = Integer.parseInt(o.get("limit"));
    if (examples.size() > limit) {
      examples = sample(examples, limit, seed);
    }
    List<String> labels = examples.stream().map(Example::label).distinct().sorted().toList();
    String model = DemoCommand.modelName(corpus);
    PrintStream log = System.err;
    log.printf(
        "%n== %s: %d texts, %d labels, sequence length %d%n",
        corpus, examples.size(), labels.size(), DemoCommand.sequenceLength(examples));
    Path dir = Files.createTempDirectory("flywheel-loop-bench-");
    try (Platform platform = Platform.start(PlatformSettings.forDemo(dir))) {
      DemoConsole console = new DemoConsole(log, model, false);
      AppSimulator simulator =
          new AppSimulator(
              new ApiClient(platform.apiUrl(), platform.appKey()),
              new ApiClient(platform.apiUrl(), platform.adminKey()),
              model,
              DemoCommand.spec(
                  labels,
                  o.get("architecture"),
                  Integer.parseInt(o.get("minNewExamples")),
                  "loop benchmark: " + corpus,
                  DemoCommand.sequenceLength(examples)),
              examples,
              labels,
              new AppSimulator.Behaviour(
                  Double.parseDouble(o.get("rate")),
                  Double.parseDouble(o.get("react")),
                  Double.parseDouble(o.get("noise")),
                  seed,
                  Integer.parseInt(o.get("seedSize"))));
      try (LoopWatcher watcher =
          new LoopWatcher(
              platform.bootstrapServers(), platform.registryUrl(), platform.topics(), console)) {
        watcher.start();
        simulator.setUp();
        Thread app = new Thread(simulator, "loop-bench-app");
        app.setDaemon(true);
        app.start();
        DemoCommand.End end =
            DemoCommand.awaitEnd(
                console, simulator, Integer.MAX_VALUE, Duration.parse(o.get("duration")));
        simulator.stop();
        app.join(5_000);
        log.println("loop ended: " + end);
      }
      List<Result> results = offline(corpus, console, platform);
      results.forEach(r -> console.reference(r.version(), r.reference()));
      console.summary();
      return results;
    } finally {
      deleteRecursively(dir);
    }
  }

  /**
   * A seeded sample of {@code limit} examples that keeps every label: each gets at least {@value
   * #MIN_PER_LABEL} (or all it has), the rest in shuffled order. A plain sample of 3,000 of the
   * 82,192 WordNet glosses would hold two of the 51 {@code tops}, and a model spec cannot declare a
   * label its examples lack.
   */
  static List<Example> sample(List<Example> examples, int limit, long seed) {
    List<Example> shuffled = new ArrayList<>(examples);
    Collections.shuffle(shuffled, new Random(seed));
    boolean[] taken = new boolean[shuffled.size()];
    Map<String, Integer> perLabel = new java.util.HashMap<>();
    int count = 0;
    for (int i = 0; i < shuffled.size() && count < limit; i++) {
      if (perLabel.merge(shuffled.get(i).label(), 1, Integer::sum) <= MIN_PER_LABEL) {
        taken[i] = true;
        count++;
      }
    }
    for (int i = 0; i < shuffled.size() && count < limit; i++) {
      if (!taken[i]) {
        taken[i] = true;
        count++;
      }
    }
    List<Example> sample = new ArrayList<>();
    for (int i = 0; i < shuffled.size(); i++) {
      if (taken[i]) {
        sample.add(shuffled.get(i));
      }
    }
    return sample;
  }

  private static final int MIN_PER_LABEL = 40;

  private static List<Result> offline(String corpus, DemoConsole console, Platform platform)
      throws BundleException {
    List<Result> results = new ArrayList<>();
    try (VersionReplay replay =
        new VersionReplay(platform.bootstrapServers(), platform.registryUrl())) {
      for (DemoConsole.Row row : console.rows()) {
        if (!row.released || row.candidate == null) {
          continue;
        }
        ModelCandidate candidate = row.candidate;
        VersionReplay.Sets sets = replay.read(candidate);
        Double reference = VersionReplay.referenceAccuracy(sets);
        double offline;
        try (Classifier classifier =
            Classifier.load(
                TextClassifierTrainer.train(
                        TrainingRequest.builder()
                            .setExamples(sets.training())
                            .setModelName("offline-" + candidate.getModel().getModel())
                            .setVersion(Integer.toString(row.version))
                            .optHyperparameters(
                                Hyperparameters.fromMap(candidate.getHyperparameters()))
                            .optLabels(candidate.getLabels())
                            .build())
                    .bundle())) {
          offline = Evaluator.evaluate(classifier, sets.holdout(), 0).accuracy();
        }
        results.add(
            new Result(
                corpus,
                row.version,
                sets.training().size(),
                sets.holdout().size(),
                row.holdoutAccuracy,
                offline,
                reference == null ? Double.NaN : reference,
                row.triggeredAt == null || row.decidedAt == null
                    ? Double.NaN
                    : Duration.between(row.triggeredAt, row.decidedAt).toMillis() / 1000.0,
                candidate.getParentVersion() != null));
      }
    }
    return results;
  }

  static void print(List<Result> results, PrintStream out) {
    out.println();
    out.println(
        "| corpus | release | trained on | holdout | champion | offline | gap to offline (points)"
            + " | reference | gap to reference (points) | trigger to release s | warm start |");
    out.println("|---|---|---|---|---|---|---|---|---|---|---|");
    for (Result r : results) {
      out.printf(
          Locale.ROOT,
          "| %s | v%d | %d | %d | %.3f | %.3f | %+.1f | %.3f | %+.1f | %.1f | %s |%n",
          r.corpus(),
          r.version(),
          r.trainedOn(),
          r.holdout(),
          r.champion(),
          r.offline(),
          100 * (r.champion() - r.offline()),
          r.reference(),
          100 * (r.champion() - r.reference()),
          r.triggerToReleaseSeconds(),
          r.warmStarted() ? "yes" : "no");
    }
    out.flush();
  }

  static List<Example> load(String corpus, Path data) {
    return switch (corpus) {
      case "topics8" -> WordNetTopics.load(WordNetTopics.Variant.TOPICS_8);
      case "categories26" -> WordNetTopics.load(WordNetTopics.Variant.CATEGORIES_26);
      case "tang8" -> TangPoets.load();
      case "spam" ->
          TsvDataset.read(data.resolve("spam-assassin/spam-assassin-2000.tsv")).examples();
      case "fortunes-de" ->
          TsvDataset.read(data.resolve("fortunes-de/fortunes-de-6.tsv")).examples();
      default -> TsvDataset.read(Path.of(corpus)).examples();
    };
  }

  private static void deleteRecursively(Path dir) throws java.io.IOException {
    try (var paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Collections.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  static {
    // The platform's services log to a file, as in the demo; the terminal shows the loop.
    System.setProperty("log4j2.configurationFile", "log4j2-demo.xml");
    if (System.getProperty("flywheel.log.file") == null) {
      System.setProperty(
          "flywheel.log.file", Path.of("target", "loop-bench.log").toAbsolutePath().toString());
    }
    System.setOut(new PrintStream(System.out, true, StandardCharsets.UTF_8));
  }
}
