package dev.flywheel.slm.bench;

import dev.flywheel.slm.Architecture;
import dev.flywheel.slm.Classifier;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.Hyperparameters;
import dev.flywheel.slm.Prediction;
import dev.flywheel.slm.TextClassifierTrainer;
import dev.flywheel.slm.TrainingRequest;
import dev.flywheel.slm.TrainingResult;
import dev.flywheel.slm.data.TangPoets;
import dev.flywheel.slm.data.WordNetTopics;
import dev.flywheel.slm.reference.TfidfLogisticRegression;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Small-data benchmark (not a test): for each task, training size and seed, shuffles the corpus
 * with the seed, holds out a fixed test set (the last {@code test} examples), trains {@code bag}
 * and the TF-IDF + logistic-regression reference on the first N examples and reports their held-out
 * accuracy beside the prior (the training set's majority label). Arguments: {@code
 * task=topics8,categories26,tang8 sizes=400,600,900,1500 seeds=1,2,3 test=2000 arch=bag
 * key=value...}; extra pairs override hyperparameters. Prints one Markdown row per run, then the
 * means per task and size.
 */
public final class SmallDataBenchmark {
  private SmallDataBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("task", "topics8,categories26");
    options.put("sizes", "400,600,900,1500");
    options.put("seeds", "1,2,3");
    options.put("test", "2000");
    options.put("arch", "bag");
    options.put("reference", "true");
    Map<String, String> overrides = new HashMap<>();
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      if (options.containsKey(kv[0])) {
        options.put(kv[0], kv[1]);
      } else {
        overrides.put(kv[0], kv[1]);
      }
    }
    System.out.println("overrides: " + new TreeMap<>(overrides));
    System.out.println(
        "| task | train | seed | prior | reference | "
            + options.get("arch")
            + " | gap (points)"
            + " | epochs (best) | train s | reference s |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    Map<String, double[]> sums = new LinkedHashMap<>();
    for (String task : options.get("task").split(",")) {
      List<Example> corpus = load(task);
      for (String sizeText : options.get("sizes").split(",")) {
        int size = Integer.parseInt(sizeText);
        for (String seedText : options.get("seeds").split(",")) {
          long seed = Long.parseLong(seedText);
          List<Example> all = new ArrayList<>(corpus);
          Collections.shuffle(all, new Random(seed));
          int testSize = Math.min(Integer.parseInt(options.get("test")), all.size() - size);
          List<Example> test = all.subList(all.size() - testSize, all.size());
          List<Example> train = all.subList(0, size);
          double prior = prior(train, test);
          long t0 = System.nanoTime();
          double reference = Double.NaN;
          if (Boolean.parseBoolean(options.get("reference"))) {
            reference = TfidfLogisticRegression.fit(train).accuracy(test);
          }
          double referenceSeconds = (System.nanoTime() - t0) / 1e9;
          Hyperparameters h =
              Hyperparameters.defaults(Architecture.fromKey(options.get("arch")))
                  .withValues(overrides);
          TrainingResult result =
              TextClassifierTrainer.train(
                  TrainingRequest.builder()
                      .setExamples(train)
                      .setModelName("small-" + task)
                      .setVersion(size + "-" + seed)
                      .optHyperparameters(h)
                      .build());
          double accuracy;
          try (Classifier classifier = Classifier.load(result.bundle())) {
            accuracy = accuracy(classifier, test);
          }
          System.out.printf(
              Locale.ROOT,
              "| %s | %d | %d | %.3f | %.3f | %.3f | %+.1f | %d (%d) | %.1f | %.2f |%n",
              task,
              size,
              seed,
              prior,
              reference,
              accuracy,
              100 * (accuracy - reference),
              result.epochsRun(),
              result.bestEpoch(),
              result.duration().toMillis() / 1000.0,
              referenceSeconds);
          System.out.flush();
          double[] s = sums.computeIfAbsent(task + " | " + size, k -> new double[5]);
          s[0] += prior;
          s[1] += reference;
          s[2] += accuracy;
          s[3] += Math.min(0, accuracy - prior) < 0 ? 1 : 0;
          s[4] += 1;
        }
      }
    }
    System.out.println();
    System.out.println(
        "| task | train | prior | reference | "
            + options.get("arch")
            + " | gap (points) | runs below prior |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (Map.Entry<String, double[]> e : sums.entrySet()) {
      double[] s = e.getValue();
      System.out.printf(
          Locale.ROOT,
          "| %s | %.3f | %.3f | %.3f | %+.1f | %d of %d |%n",
          e.getKey(),
          s[0] / s[4],
          s[1] / s[4],
          s[2] / s[4],
          100 * (s[2] - s[1]) / s[4],
          (int) s[3],
          (int) s[4]);
    }
  }

  static List<Example> load(String task) {
    return switch (task) {
      case "topics8" -> WordNetTopics.load(WordNetTopics.Variant.TOPICS_8);
      case "categories26" -> WordNetTopics.load(WordNetTopics.Variant.CATEGORIES_26);
      case "tang8" -> TangPoets.load();
      default -> throw new IllegalArgumentException("unknown task " + task);
    };
  }

  /** Share of test examples predicted right; a label the training set lacked counts as wrong. */
  static double accuracy(Classifier classifier, List<Example> test) {
    int correct = 0;
    for (int from = 0; from < test.size(); from += 256) {
      List<Example> chunk = test.subList(from, Math.min(test.size(), from + 256));
      List<Prediction> predictions =
          classifier.predictBatch(chunk.stream().map(Example::text).toList());
      for (int i = 0; i < chunk.size(); i++) {
        correct += predictions.get(i).label().equals(chunk.get(i).label()) ? 1 : 0;
      }
    }
    return (double) correct / test.size();
  }

  /** Accuracy on the test set of always answering the training set's most frequent label. */
  static double prior(List<Example> train, List<Example> test) {
    Map<String, Integer> counts = new TreeMap<>();
    for (Example e : train) {
      counts.merge(e.label(), 1, Integer::sum);
    }
    String majority =
        counts.entrySet().stream()
            .max(Map.Entry.comparingByValue())
            .map(Map.Entry::getKey)
            .orElseThrow();
    return test.stream().filter(e -> e.label().equals(majority)).count() / (double) test.size();
  }
}
