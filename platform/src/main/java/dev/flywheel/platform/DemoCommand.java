package dev.flywheel.platform;

import dev.flywheel.slm.Example;
import dev.flywheel.slm.Tokenizer;
import dev.flywheel.slm.data.TangPoets;
import dev.flywheel.slm.data.TsvDataset;
import dev.flywheel.slm.data.WordNetTopics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
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
  static final Pattern MODEL_NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
  static final List<String> ARCHITECTURES = List.of("bag", "lstm", "transformer", "encoder");
  private static final Duration SETTLE = Duration.ofSeconds(15);
  private static final int DEFAULT_SEQUENCE_LENGTH = 48;
  private static final int MAX_SEQUENCE_LENGTH = 256;

  @Option(
      names = "--dataset",
      defaultValue = "wordnet-topics",
      description =
          "wordnet-topics (8 WordNet noun topics, the default), wordnet-categories (all 26 noun"
              + " categories), tang-poets (2,000 Tang poems by 8 poets, in Chinese), or the path"
              + " of a TSV file (label<TAB>text).")
  String dataset;

  @Option(
      names = "--model",
      description =
          "Model name (default: the dataset's, e.g. wordnet-topics, or my-file for my-file.tsv).")
  String model;

  @Option(
      names = "--architecture",
      description =
          "The recipe: encoder (the pretrained minilm-l6 base model with a trained head: the"
              + " default for English text), bag (the default for Chinese, Japanese or Korean"
              + " text, where it measured better), lstm or transformer.")
  String architecture;

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
    if (architecture != null && !ARCHITECTURES.contains(architecture)) {
      System.err.println(
          "Unknown --architecture '" + architecture + "' (expected one of " + ARCHITECTURES + ")");
      return 2;
    }
    if (model == null) {
      model = modelName(dataset);
    } else if (!MODEL_NAME.matcher(model).matches()) {
      System.err.println("--model must match " + MODEL_NAME.pattern() + ", not '" + model + "'");
      return 2;
    }
    Data data = loadDataset();
    if (architecture == null) {
      architecture = defaultArchitecture(data.examples());
    }
    out.printf(
        "Flywheel demo: model %s (%s), %d labels, %d texts (%s)%n",
        model,
        "encoder".equals(architecture) ? "encoder on the pretrained minilm-l6" : architecture,
        data.labels().size(),
        data.examples().size(),
        data.description());
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
            spec(
                data.labels(),
                architecture,
                minNewExamples,
                "Flywheel demo: " + dataset,
                sequenceLength(data.examples())),
            data.examples(),
            data.labels(),
            new AppSimulator.Behaviour(rate, react, noise, seed, seedSize));
    End end;
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
      end = awaitEnd(console, simulator, releases, duration);
      simulator.stop();
      appThread.join(5_000);
    }
    addReferences(platform, console);
    console.summary();
    out.println();
    int released = console.releases();
    out.println(
        switch (end) {
          case RELEASES -> "Done: " + released + " releases.";
          case TEXTS_USED ->
              "Done: every text of the dataset was used, "
                  + released
                  + (released == 1 ? " release." : " releases.");
          case DEADLINE -> "Stopped after " + duration + " with " + released + " releases.";
        });
    return exitStatus(released);
  }

  /**
   * 0 when anything was released, however the demo ended: the loop worked, and a candidate that is
   * not significantly better than the champion is rightly rejected, so the number of releases
   * before the deadline is the data's, not the platform's. 1 when nothing was released.
   */
  static int exitStatus(int released) {
    return released > 0 ? 0 : 1;
  }

  /** Why the demo ended. */
  enum End {
    /** The requested number of releases happened. */
    RELEASES,
    /** The app asked about every text and the loop settled. */
    TEXTS_USED,
    /** {@code --duration} passed. */
    DEADLINE
  }

  /**
   * Waits for the requested releases, for the deadline, or — once the app has asked about every
   * text — for the loop to settle: every retrain request served and every candidate decided, with
   * nothing new for {@link #SETTLE} (a trigger held back by the cooldown fires within it).
   */
  static End awaitEnd(DemoConsole console, AppSimulator simulator, int releases, Duration duration)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(duration);
    Instant nextTraffic = Instant.now().plusSeconds(15);
    long lastFeedback = 0;
    boolean announced = false;
    while (console.releases() < releases) {
      if (!Instant.now().isBefore(deadline)) {
        return End.DEADLINE;
      }
      Thread.sleep(250);
      if (simulator.exhausted()) {
        if (!announced) {
          console.traffic(simulator.stats(), 0);
          console.line(
              String.format(
                  "app: every text has been asked (%d); waiting for the loop to finish what it"
                      + " started",
                  simulator.unseenSize()));
          announced = true;
        }
        Duration quiet = Duration.between(console.lastEvent(), Instant.now());
        if (console.idle() && quiet.compareTo(SETTLE) >= 0) {
          return End.TEXTS_USED;
        }
        continue;
      }
      if (Instant.now().isAfter(nextTraffic)) {
        long feedback = simulator.stats().feedback();
        if (simulator.stats().predictions.get() > 0) {
          console.traffic(simulator.stats(), (feedback - lastFeedback) / 15.0);
        }
        lastFeedback = feedback;
        nextTraffic = nextTraffic.plusSeconds(15);
      }
    }
    return End.RELEASES;
  }

  /** Puts the offline reference beside every version that has a candidate. */
  private static void addReferences(Platform platform, DemoConsole console) {
    List<DemoConsole.Row> rows =
        console.rows().stream().filter(row -> row.candidate != null).toList();
    if (rows.isEmpty()) {
      return;
    }
    console.line(
        "computing the offline reference (TF-IDF + logistic regression) on each version's"
            + " training examples...");
    try (VersionReplay replay =
        new VersionReplay(platform.bootstrapServers(), platform.registryUrl())) {
      for (DemoConsole.Row row : rows) {
        console.reference(row.version, VersionReplay.referenceAccuracy(replay.read(row.candidate)));
      }
    } catch (RuntimeException e) {
      console.line("the offline reference could not be computed: " + e.getMessage());
    }
  }

  /**
   * The recipe that measured best for the data (bench/README.md): the pretrained English encoder
   * unless most texts are Chinese, Japanese or Korean, where the bag beat bge-small-zh.
   */
  static String defaultArchitecture(List<Example> examples) {
    long cjk = examples.stream().filter(e -> mostlyCjk(e.text())).count();
    return cjk * 2 > examples.size() ? "bag" : "encoder";
  }

  private static boolean mostlyCjk(String text) {
    long letters = text.codePoints().filter(Character::isLetter).count();
    long cjk =
        text.codePoints()
            .filter(
                c -> {
                  Character.UnicodeScript script = Character.UnicodeScript.of(c);
                  return script == Character.UnicodeScript.HAN
                      || script == Character.UnicodeScript.HIRAGANA
                      || script == Character.UnicodeScript.KATAKANA
                      || script == Character.UnicodeScript.HANGUL;
                })
            .count();
    return letters > 0 && cjk * 2 > letters;
  }

  /** The model spec the simulated admin writes: the recipe and the loop's policies. */
  static Map<String, Object> spec(
      List<String> labels,
      String architecture,
      int minNewExamples,
      String description,
      int sequenceLength) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("labels", labels);
    spec.put("architecture", architecture);
    if ("bag".equals(architecture)) {
      // Fewer bigram buckets than the library default: a 5 MB bundle instead of 38 MB, so the
      // per-epoch checkpoints stay cheap; the demo's data sets are small.
      spec.put("hyperparameters", Map.of("bigramBuckets", 16384, "sequenceLength", sequenceLength));
    }
    spec.put("holdout_share", 0.2);
    spec.put("description", description);
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

  /**
   * The bag's sequence length for these texts: enough tokens for 95 % of them (rounded up to a
   * multiple of 16), never below the recipe's default of 48, at most 256. The bag averages its
   * tokens and masks padding, so a longer sequence costs only time; a shorter one cuts text off.
   * Chinese poems, one token per character, need about 128 (bench/README.md, slm small data).
   */
  static int sequenceLength(List<Example> examples) {
    int[] lengths =
        examples.stream().mapToInt(e -> Tokenizer.tokenize(e.text()).size()).sorted().toArray();
    if (lengths.length == 0) {
      return DEFAULT_SEQUENCE_LENGTH;
    }
    int p95 = lengths[(int) Math.ceil(0.95 * lengths.length) - 1];
    int rounded = (p95 + 15) / 16 * 16;
    return Math.max(DEFAULT_SEQUENCE_LENGTH, Math.min(MAX_SEQUENCE_LENGTH, rounded));
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
      case "tang-poets":
        return new Data(
            TangPoets.load(),
            TangPoets.labels(),
            "Tang poems by poet, from the chinese-poetry collection");
      default:
        TsvDataset tsv = TsvDataset.read(Path.of(dataset));
        List<String> labels =
            tsv.examples().stream().map(Example::label).distinct().sorted().toList();
        return new Data(tsv.examples(), labels, dataset);
    }
  }

  /**
   * The model name a dataset gets: the built-in dataset's name, or the file's name without its
   * extension, lower-cased, with every run of other characters turned into one hyphen, cut to the
   * model-name pattern ({@code ^[a-z0-9][a-z0-9-]{0,62}$}); {@code demo} when nothing is left.
   */
  static String modelName(String dataset) {
    Path file = Path.of(dataset).getFileName();
    String name = file == null ? "" : file.toString();
    int dot = name.lastIndexOf('.');
    if (dot > 0) {
      name = name.substring(0, dot);
    }
    String cleaned =
        Normalizer.normalize(name, Normalizer.Form.NFKD)
            .replaceAll("\\p{M}+", "")
            .toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9]+", "-")
            .replaceAll("^-+", "");
    if (cleaned.length() > 63) {
      cleaned = cleaned.substring(0, 63);
    }
    cleaned = cleaned.replaceAll("-+$", "");
    return cleaned.isEmpty() ? "demo" : cleaned;
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
