package dev.flywheel.slm.bench;

import dev.flywheel.slm.Architecture;
import dev.flywheel.slm.Classifier;
import dev.flywheel.slm.EvaluationReport;
import dev.flywheel.slm.Evaluator;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.Hyperparameters;
import dev.flywheel.slm.TextClassifierTrainer;
import dev.flywheel.slm.TrainingRequest;
import dev.flywheel.slm.TrainingResult;
import dev.flywheel.slm.data.WordNetTopics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The slm benchmark (not a test): per architecture and WordNet task, trains on a random 80% and
 * reports training examples/s, held-out accuracy and macro-F1, and single and batch inference
 * latency p50/p99. Arguments: {@code arch=bag,lstm,transformer task=topics8,categories26 limit=0
 * key=value...} where extra {@code key=value} pairs override hyperparameters of every run. Prints
 * one Markdown table row per run.
 */
public final class SlmBenchmark {
  private SlmBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("arch", "bag,lstm,transformer");
    options.put("task", "topics8,categories26");
    options.put("limit", "0");
    Map<String, String> overrides = new HashMap<>();
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      if (options.containsKey(kv[0])) {
        options.put(kv[0], kv[1]);
      } else {
        overrides.put(kv[0], kv[1]);
      }
    }
    System.out.println(
        "| architecture | task | train ex. | test ex. | epochs (best) | train ex/s | train time"
            + " | accuracy | macro-F1 | reference LR | single p50 ms | single p99 ms | batch-32"
            + " p50 ms | batch-32 p99 ms | bundle MB |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (String task : options.get("task").split(",")) {
      WordNetTopics.Variant variant =
          task.equals("topics8")
              ? WordNetTopics.Variant.TOPICS_8
              : WordNetTopics.Variant.CATEGORIES_26;
      List<Example> all = new ArrayList<>(WordNetTopics.load(variant));
      Collections.shuffle(all, new Random(42));
      int limit = Integer.parseInt(options.get("limit"));
      if (limit > 0 && limit < all.size()) {
        all = all.subList(0, limit);
      }
      int cut = (int) (all.size() * 0.8);
      List<Example> train = all.subList(0, cut);
      List<Example> test = all.subList(cut, all.size());
      for (String arch : options.get("arch").split(",")) {
        Hyperparameters h =
            Hyperparameters.defaults(Architecture.fromKey(arch)).withValues(overrides);
        TrainingResult result =
            TextClassifierTrainer.train(
                TrainingRequest.builder()
                    .setExamples(train)
                    .setModelName("bench-" + task)
                    .setVersion(arch)
                    .optLabels(WordNetTopics.labels(variant))
                    .optHyperparameters(h)
                    .build());
        try (Classifier classifier = Classifier.load(result.bundle())) {
          EvaluationReport report = Evaluator.evaluate(classifier, test, 0);
          double[] single = time(classifier, test, 1, 500);
          double[] batch = time(classifier, test, 32, 100);
          System.out.printf(
              Locale.ROOT,
              "| %s | %s | %d | %d | %d (%d) | %.0f | %.0f s | %.4f | %.4f | %s | %.3f | %.3f | %.3f"
                  + " | %.3f | %.1f |%n",
              arch,
              task,
              train.size(),
              test.size(),
              result.epochsRun(),
              result.bestEpoch(),
              result.examplesPerSecond(),
              result.duration().toMillis() / 1000.0,
              report.accuracy(),
              report.macroF1(),
              task.equals("topics8") ? "0.92" : "0.82",
              percentile(single, 0.5),
              percentile(single, 0.99),
              percentile(batch, 0.5),
              percentile(batch, 0.99),
              result.bundle().sizeBytes() / 1e6);
          System.out.flush();
        }
      }
    }
  }

  private static double[] time(Classifier classifier, List<Example> test, int batch, int rounds) {
    List<String> texts = test.stream().map(Example::text).toList();
    for (int i = 0; i < 20; i++) {
      classifier.predictBatch(
          texts.subList(
              i * batch % (texts.size() - batch), i * batch % (texts.size() - batch) + batch));
    }
    double[] millis = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      int from = (r * batch) % (texts.size() - batch);
      long start = System.nanoTime();
      classifier.predictBatch(texts.subList(from, from + batch));
      millis[r] = (System.nanoTime() - start) / 1e6;
    }
    return millis;
  }

  private static double percentile(double[] values, double q) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
  }
}
