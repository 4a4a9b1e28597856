package dev.flywheel.platform;

import dev.flywheel.slm.Example;
import dev.flywheel.slm.data.TsvDataset;
import dev.flywheel.slm.data.WordNetTopics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flywheel demo}: the whole loop on the embedded broker, with a simulated app and its users,
 * shown live in the terminal and summed up in a table at the end.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "The whole loop in one JVM, with a simulated app and its users.",
      "",
      "Starts everything, then plays an app against it: creates a model, uploads a seed set,",
      "asks for predictions on unseen texts and reacts as users would. Shows the model improving",
      "release after release, and ends with a summary table."
    })
final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--dataset",
      defaultValue = "wordnet-topics",
      description =
          "wordnet-topics (8 WordNet noun topics, the default), wordnet-categories (all 26 noun"
              + " categories), or the path of a TSV file (label<TAB>text).")
  String dataset;

  @Option(names = "--model", defaultValue = "demo-topics", description = "Model name.")
  String model;

  @Option(
      names = "--seed-size",
      defaultValue = "500",
      description = "Labeled seed examples (default: ${DEFAULT-VALUE}).")
  int seedSize;

  @Option(
      names = "--rate",
      defaultValue = "25",
      description = "Predictions per second the app asks for (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(
      names = "--react",
      defaultValue = "0.6",
      description = "Share of predictions users react to (default: ${DEFAULT-VALUE}).")
  double react;

  @Option(
      names = "--noise",
      defaultValue = "0.03",
      description = "Share of reactions that are wrong themselves (default: ${DEFAULT-VALUE}).")
  double noise;

  @Option(
      names = "--min-new-examples",
      defaultValue = "300",
      description =
          "New non-holdout examples that trigger a retrain (default: ${DEFAULT-VALUE}); the seed"
              + " set must hold more than this many.")
  int minNewExamples;

  @Option(names = "--releases", defaultValue = "3", description = "Stop after this many releases.")
  int releases;

  @Option(
      names = "--duration",
      defaultValue = "PT8M",
      description = "Stop after this long at most (ISO-8601, default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(
      names = "--data-dir",
      description = "Keep the demo's data here (default: a temporary directory, deleted at exit).")
  Path dataDir;

  @Option(names = "--seed", defaultValue = "7", description = "Random seed of the simulation.")
  long seed;

  @Option(
      names = "--keep-open",
      description =
          "Keep everything running after the summary, with the console open, until Ctrl-C.")
  boolean keepOpen;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    Path dir = dataDir != null ? dataDir : Files.createTempDirectory("flywheel-demo-");
    Path log = dataDir != null ? dataDir.resolve("flywheel.log") : Path.of("flywheel-demo.log");
    System.setProperty("flywheel.log.file", log.toString());
    Data data = loadDataset();
    out.printf(
        "Flywheel demo: model %s, %d labels, %d texts (%s)%n",
        model, data.labels().size(), data.examples().size(), data.description());
    out.println("Starting the embedded broker, the schema registry and the four services...");
    out.println("(logs: " + log.toAbsolutePath() + ")");
    PlatformSettings settings = PlatformSettings.forDemo(dir);
    try (Platform platform = Platform.start(settings)) {
      platform.printEndpoints(out);
      int code = play(platform, data, out);
      if (keepOpen) {
        out.println();
        out.println(
            "Still running (--keep-open): the console is at "
                + platform.consoleUrl()
                + " ; Ctrl-C stops everything.");
        Shutdown.closeOnSignal(platform);
      }
      return code;
    } finally {
      if (dataDir == null) {
        deleteRecursively(dir);
      } else {
        out.println("Data kept in " + dir.toAbsolutePath());
      }
    }
  }

  private int play(Platform platform, Data data, PrintStream out) throws Exception {
    DemoConsole console = new DemoConsole(out, model, System.console() != null);
    ApiClient app = new ApiClient(platform.apiUrl(), platform.appKey());
    ApiClient admin = new ApiClient(platform.apiUrl(), platform.adminKey());
    AppSimulator simulator =
        new AppSimulator(
            app,
            admin,
            model,
            spec(data.labels()),
            data.examples(),
            data.labels(),
            new AppSimulator.Behaviour(rate, react, noise, seed, seedSize));
    try (LoopWatcher watcher =
        new LoopWatcher(
            platform.bootstrapServers(), platform.registryUrl(), platform.topics(), console)) {
      watcher.start();
      simulator.setUp();
      console.line(
          String.format(
              "app: created model %s and uploaded %d seed examples (202: acknowledged by Kafka)",
              model, simulator.stats().seedAccepted.get()));
      Thread appThread = new Thread(simulator, "flywheel-demo-app");
      appThread.setDaemon(true);
      appThread.start();
      waitForReleases(console, simulator);
      simulator.stop();
      appThread.join(5_000);
    }
    console.summary();
    boolean enough = console.releases() >= releases;
    out.println();
    out.println(
        enough
            ? "Done: " + console.releases() + " releases."
            : "Stopped after " + duration + " with " + console.releases() + " releases.");
    return enough ? 0 : 1;
  }

  private void waitForReleases(DemoConsole console, AppSimulator simulator)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(duration);
    Instant nextTraffic = Instant.now().plusSeconds(15);
    long lastFeedback = 0;
    while (console.releases() < releases && Instant.now().isBefore(deadline)) {
      Thread.sleep(250);
      if (Instant.now().isAfter(nextTraffic)) {
        long feedback = simulator.stats().feedback();
        if (simulator.stats().predictions.get() > 0) {
          console.traffic(simulator.stats(), (feedback - lastFeedback) / 15.0);
        }
        lastFeedback = feedback;
        nextTraffic = nextTraffic.plusSeconds(15);
      }
    }
  }

  /** The model spec the simulated admin writes: the recipe and the loop's policies. */
  private Map<String, Object> spec(List<String> labels) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("labels", labels);
    spec.put("architecture", "bag");
    // Fewer bigram buckets than the library default: a 5 MB bundle instead of 38 MB, so the
    // per-epoch checkpoints stay cheap; the demo's data sets are small.
    spec.put("hyperparameters", Map.of("bigramBuckets", 16384));
    spec.put("holdout_share", 0.2);
    spec.put("description", "Flywheel demo: " + dataset);
    spec.put(
        "trigger",
        Map.of(
            "min_new_examples", minNewExamples, "cooldown_millis", 10_000, "drift_enabled", false));
    spec.put(
        "gate",
        Map.of(
            "min_accuracy", 0.3,
            "require_significance", true,
            "significance_level", 0.05,
            "max_label_recall_regression", 0.2,
            "rollback_enabled", false));
    return spec;
  }

  private record Data(List<Example> examples, List<String> labels, String description) {}

  private Data loadDataset() {
    switch (dataset) {
      case "wordnet-topics":
        return new Data(
            WordNetTopics.load(WordNetTopics.Variant.TOPICS_8),
            WordNetTopics.labels(WordNetTopics.Variant.TOPICS_8),
            "WordNet 3.1 noun definitions by topic");
      case "wordnet-categories":
        return new Data(
            WordNetTopics.load(WordNetTopics.Variant.CATEGORIES_26),
            WordNetTopics.labels(WordNetTopics.Variant.CATEGORIES_26),
            "WordNet 3.1 noun definitions by lexicographer category");
      default:
        TsvDataset tsv = TsvDataset.read(Path.of(dataset));
        List<String> labels =
            tsv.examples().stream().map(Example::label).distinct().sorted().toList();
        return new Data(tsv.examples(), labels, dataset);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      List<Path> all = new ArrayList<>(paths.sorted(Comparator.reverseOrder()).toList());
      for (Path path : all) {
        Files.deleteIfExists(path);
      }
    }
  }
}
