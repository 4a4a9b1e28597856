package dev.flywheel.slm.encoder.bench;

import ai.djl.Device;
import dev.flywheel.slm.Architecture;
import dev.flywheel.slm.Classifier;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.Hyperparameters;
import dev.flywheel.slm.Prediction;
import dev.flywheel.slm.TextClassifierTrainer;
import dev.flywheel.slm.TrainingRequest;
import dev.flywheel.slm.TrainingResult;
import dev.flywheel.slm.data.TangPoets;
import dev.flywheel.slm.data.TsvDataset;
import dev.flywheel.slm.data.WordNetTopics;
import dev.flywheel.slm.encoder.BaseModel;
import dev.flywheel.slm.encoder.BaseModels;
import dev.flywheel.slm.encoder.EmbeddingCache;
import dev.flywheel.slm.encoder.EncoderClassifier;
import dev.flywheel.slm.encoder.EncoderOptions;
import dev.flywheel.slm.encoder.EncoderTrainer;
import dev.flywheel.slm.encoder.FineTune;
import dev.flywheel.slm.encoder.SentenceEncoder;
import dev.flywheel.slm.reference.TfidfLogisticRegression;
import dev.flywheel.slm.store.FileArtifactStore;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * Encoder benchmark (not a test), CPU. {@code part=accuracy}: for each task and training size, one
 * seeded shuffle, the same held-out test set (the last {@code test} examples) for every size, and
 * each of {@code models} (encoder/head, encoder/top:K, bag, reference) trained on the first N
 * examples; prints held-out accuracy and training time. The encoder runs hold out the last 10 % of
 * the N as their early-stopping validation set and train on the rest, as the recipe does; bag
 * chooses its epochs by cross-validation on all N and the reference has no stopping. A fresh
 * embedding cache per run, so the training time includes encoding the N texts. {@code
 * part=throughput}: texts/s of the frozen encoder over {@code texts} WordNet definitions, without
 * the cache, through a cold cache and through a warm one.
 *
 * <p>Arguments: {@code part=accuracy|throughput task=topics8,categories26,tang8,emoji8
 * sizes=400,600,900,1500 models=head,top:2,full,bag,reference topSizes=400,900 test=1000 seed=1
 * base=minilm-l6 (tang8 and emoji8, the Chinese tasks, use bge-small-zh) texts=2000}.
 */
public final class EncoderBenchmark {
  private EncoderBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("part", "accuracy");
    o.put("task", "topics8,categories26");
    o.put("sizes", "400,600,900,1500");
    o.put("models", "head,bag,reference");
    o.put("topSizes", "400,900");
    o.put("test", "1000");
    o.put("seed", "1");
    o.put("base", "minilm-l6");
    o.put("texts", "2000");
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      if (!o.containsKey(kv[0])) {
        throw new IllegalArgumentException("unknown option " + kv[0] + "; known: " + o.keySet());
      }
      o.put(kv[0], kv[1]);
    }
    BaseModels catalogue =
        new BaseModels(new FileArtifactStore(Files.createTempDirectory("encoder-bench")));
    if (o.get("part").equals("throughput")) {
      throughput(catalogue.builtIn(o.get("base")), Integer.parseInt(o.get("texts")));
      return;
    }
    System.out.println(
        "| task | train | model | test accuracy | train s | epochs (best) | prior |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (String task : o.get("task").split(",")) {
      List<Example> all = new ArrayList<>(load(task));
      Collections.shuffle(all, new Random(Long.parseLong(o.get("seed"))));
      int testSize = Integer.parseInt(o.get("test"));
      List<Example> test = all.subList(all.size() - testSize, all.size());
      List<String> labels = List.copyOf(new TreeSet<>(all.stream().map(Example::label).toList()));
      boolean chinese = task.equals("tang8") || task.equals("emoji8");
      BaseModel base = catalogue.builtIn(chinese ? "bge-small-zh" : o.get("base"));
      for (String sizeText : o.get("sizes").split(",")) {
        int size = Integer.parseInt(sizeText);
        List<Example> train = all.subList(0, size);
        double prior = prior(train, test);
        for (String model : o.get("models").split(",")) {
          if (model.startsWith("top:")
              && !List.of(o.get("topSizes").split(",")).contains(sizeText)) {
            continue;
          }
          boolean encoder =
              model.equals("head") || model.startsWith("top:") || model.equals("full");
          String name = encoder ? "encoder/" + model : model;
          if (encoder) {
            name += " (" + base.card().name() + ")";
          }
          Row row = run(model, base, labels, train, test);
          System.out.printf(
              Locale.ROOT,
              "| %s | %d | %s | %.3f | %.1f | %s | %.3f |%n",
              task,
              size,
              name,
              row.accuracy,
              row.seconds,
              row.epochs,
              prior);
          System.out.flush();
        }
      }
    }
  }

  private record Row(double accuracy, double seconds, String epochs) {}

  private static Row run(
      String model, BaseModel base, List<String> labels, List<Example> train, List<Example> test)
      throws Exception {
    long t0 = System.nanoTime();
    switch (model) {
      case "reference" -> {
        TfidfLogisticRegression lr = TfidfLogisticRegression.fit(train);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Row(lr.accuracy(test), seconds, "-");
      }
      case "bag" -> {
        TrainingResult result =
            TextClassifierTrainer.train(
                TrainingRequest.builder()
                    .setExamples(train)
                    .setModelName("bench")
                    .setVersion("1")
                    .optHyperparameters(Hyperparameters.defaults(Architecture.BAG))
                    .build());
        try (Classifier classifier = Classifier.load(result.bundle())) {
          return new Row(
              accuracy(classifier, test),
              result.duration().toMillis() / 1000.0,
              result.epochsRun() + " (" + result.bestEpoch() + ")");
        }
      }
      default -> {
        FineTune mode = FineTune.parse(model);
        EncoderOptions options = EncoderOptions.defaults(mode);
        if (!mode.headOnly()) {
          options = options.withSchedule(3, 1.5e-4f);
        }
        int cut = train.size() - train.size() / 10;
        EncoderTrainer.Result result =
            EncoderTrainer.train(
                base,
                labels,
                train.subList(0, cut),
                train.subList(cut, train.size()),
                options,
                new EmbeddingCache(),
                Device.cpu());
        try (EncoderClassifier classifier = result.classifier()) {
          return new Row(
              accuracy(classifier, test),
              result.seconds(),
              result.epochs() + " (" + result.bestEpoch() + ")");
        }
      }
    }
  }

  private static void throughput(BaseModel base, int count) {
    List<Example> all = new ArrayList<>(WordNetTopics.load(WordNetTopics.Variant.TOPICS_8));
    Collections.shuffle(all, new Random(5));
    List<String> texts = all.subList(0, count).stream().map(Example::text).toList();
    EncoderOptions options = EncoderOptions.defaults(FineTune.HEAD);
    try (SentenceEncoder encoder = SentenceEncoder.open(base, options.maxLength(), Device.cpu())) {
      encoder.embed(texts.subList(0, 64)); // warm-up
      long t0 = System.nanoTime();
      encoder.embed(texts);
      double bare = count / ((System.nanoTime() - t0) / 1e9);
      EmbeddingCache cache = new EmbeddingCache();
      t0 = System.nanoTime();
      cache.embed(encoder, base.card().sha256(), options, texts);
      double cold = count / ((System.nanoTime() - t0) / 1e9);
      t0 = System.nanoTime();
      cache.embed(encoder, base.card().sha256(), options, texts);
      double warm = count / ((System.nanoTime() - t0) / 1e9);
      System.out.printf(
          Locale.ROOT,
          "%s, %d WordNet definitions, max length %d, batches of 32, 1 intra-op thread:%n"
              + "  encoder alone        %,10.0f texts/s%n"
              + "  cache, cold (misses) %,10.0f texts/s%n"
              + "  cache, warm (hits)   %,10.0f texts/s%n",
          base.card().name(),
          count,
          options.maxLength(),
          bare,
          cold,
          warm);
    }
  }

  private static List<Example> load(String task) {
    return switch (task) {
      case "topics8" -> WordNetTopics.load(WordNetTopics.Variant.TOPICS_8);
      case "categories26" -> WordNetTopics.load(WordNetTopics.Variant.CATEGORIES_26);
      case "tang8" -> TangPoets.load();
      case "emoji8" ->
          TsvDataset.read(java.nio.file.Path.of("data/emojibase-zh/emoji-groups-zh.tsv"))
              .examples();
      default -> throw new IllegalArgumentException("unknown task " + task);
    };
  }

  private static double accuracy(Classifier classifier, List<Example> test) {
    int correct = 0;
    for (int from = 0; from < test.size(); from += 256) {
      List<Example> chunk = test.subList(from, Math.min(test.size(), from + 256));
      List<Prediction> p = classifier.predictBatch(chunk.stream().map(Example::text).toList());
      for (int i = 0; i < chunk.size(); i++) {
        correct += p.get(i).label().equals(chunk.get(i).label()) ? 1 : 0;
      }
    }
    return (double) correct / test.size();
  }

  private static double accuracy(EncoderClassifier classifier, List<Example> test) {
    float[][] scores = classifier.scores(test.stream().map(Example::text).toList());
    int correct = 0;
    for (int i = 0; i < scores.length; i++) {
      int best = 0;
      for (int l = 1; l < scores[i].length; l++) {
        if (scores[i][l] > scores[i][best]) {
          best = l;
        }
      }
      correct += classifier.labels().get(best).equals(test.get(i).label()) ? 1 : 0;
    }
    return (double) correct / test.size();
  }

  private static double prior(List<Example> train, List<Example> test) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    train.forEach(e -> counts.merge(e.label(), 1, Integer::sum));
    String majority =
        counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    return test.stream().filter(e -> e.label().equals(majority)).count() / (double) test.size();
  }
}
