package dev.flywheel.evaluator;

import dev.flywheel.schemas.ExampleIds;
import dev.flywheel.schemas.Holdout;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.Hyperparameters;
import dev.flywheel.slm.ModelBundle;
import dev.flywheel.slm.TextClassifierTrainer;
import dev.flywheel.slm.TrainingRequest;
import dev.flywheel.slm.TrainingResult;
import dev.flywheel.slm.data.WordNetTopics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Real data and real models for the integration tests: a few hundred WordNet 8-topic glosses, and
 * three bag-of-words classifiers trained on their non-holdout share — a strong one (all training
 * examples, several epochs), a weak one (a few examples, one epoch) and one at the prior's level
 * (nearly every example labelled with the majority label). Trained once per JVM.
 */
final class TrainedModels {

  static final String MODEL = "topics";
  static final double HOLDOUT_SHARE = 0.3;
  static final int PER_LABEL = 80;
  static final int GOLDEN_MAX = 6000;

  /** A trained bundle written to a file. */
  record Bundle(Path file, String uri, String sha256, long sizeBytes, List<String> labels) {}

  private static TrainedModels instance;

  final List<Example> examples;

  /** Other glosses of the same topics, for a large golden set. */
  final List<Example> golden;

  final Bundle strong;
  final Bundle weak;

  /** Answers {@link #majorityLabel} for nearly every text: as accurate as the prior predictor. */
  final Bundle priorLevel;

  final String majorityLabel;

  private TrainedModels(Path dir) throws IOException {
    List<Example> all = WordNetTopics.load(WordNetTopics.Variant.TOPICS_8);
    Map<String, List<Example>> byLabel = new HashMap<>();
    for (Example e : all) {
      byLabel.computeIfAbsent(e.label(), l -> new ArrayList<>()).add(e);
    }
    List<Example> picked = new ArrayList<>();
    List<Example> rest = new ArrayList<>();
    for (List<Example> list : byLabel.values()) {
      int goldenOfLabel = 0;
      // Spread the pick over the file: neighbouring synsets are near-synonyms.
      int stride = Math.max(1, list.size() / PER_LABEL);
      for (int i = 0; i < list.size(); i++) {
        Example e = list.get(i);
        if (i % stride == 0 && i / stride < PER_LABEL) {
          String id = ExampleIds.of(MODEL, e.text());
          picked.add(new Example(id, e.text(), e.label()));
        } else if (goldenOfLabel < GOLDEN_MAX / byLabel.size()) {
          rest.add(e);
          goldenOfLabel++;
        }
      }
    }
    picked.sort(java.util.Comparator.comparing(Example::id));
    this.examples = List.copyOf(picked);
    this.golden = List.copyOf(rest);
    List<Example> training =
        examples.stream().filter(e -> !Holdout.isHoldout(e.id(), HOLDOUT_SHARE)).toList();
    this.strong = train(dir, "strong", training, 6);
    Map<String, Integer> taken = new HashMap<>();
    List<Example> few = new ArrayList<>();
    for (Example e : training) {
      if (taken.merge(e.label(), 1, Integer::sum) <= 4) {
        few.add(e);
      }
    }
    this.weak = train(dir, "weak", few, 1);
    // A model that learned little but the prior: every training text but one per label (the
    // trainer wants an example of each label) labelled with the label the evaluator's prior
    // predictor answers, so it answers that label for nearly every text.
    Map<String, Long> counts = new HashMap<>();
    training.forEach(e -> counts.merge(e.label(), 1L, Long::sum));
    List<String> holdoutLabels =
        examples.stream()
            .filter(e -> Holdout.isHoldout(e.id(), HOLDOUT_SHARE))
            .map(Example::label)
            .toList();
    this.majorityLabel = PriorPredictor.score(counts, holdoutLabels).getMajorityLabel();
    this.priorLevel =
        train(dir, "prior-level", relabelAllButOnePerLabel(training, majorityLabel), 2);
  }

  private static List<Example> relabelAllButOnePerLabel(List<Example> training, String label) {
    Map<String, Integer> kept = new HashMap<>();
    List<Example> relabelled = new ArrayList<>();
    for (Example e : training) {
      boolean keep = kept.merge(e.label(), 1, Integer::sum) == 1;
      relabelled.add(keep ? e : new Example(e.id(), e.text(), label));
    }
    return relabelled;
  }

  static synchronized TrainedModels get() throws IOException {
    if (instance == null) {
      Path dir = Files.createTempDirectory("evaluator-it-models");
      dir.toFile().deleteOnExit();
      instance = new TrainedModels(dir);
    }
    return instance;
  }

  private static Bundle train(Path dir, String name, List<Example> training, int epochs)
      throws IOException {
    Hyperparameters h =
        Hyperparameters.defaults()
            .withValues(
                Map.of(
                    "epochs", Integer.toString(epochs),
                    "batchSize", "32",
                    "validationShare", "0",
                    "embeddingDim", "32",
                    "learningRate", "0.01"));
    TrainingResult result =
        TextClassifierTrainer.train(
            TrainingRequest.builder()
                .setExamples(training)
                .setModelName(MODEL)
                .setVersion(name)
                .optHyperparameters(h)
                .optLabels(WordNetTopics.labels(WordNetTopics.Variant.TOPICS_8))
                .build());
    ModelBundle bundle = result.bundle();
    Path file = dir.resolve(name + ".zip");
    bundle.writeTo(file);
    file.toFile().deleteOnExit();
    return new Bundle(
        file,
        file.toUri().toString(),
        bundle.sha256(),
        bundle.sizeBytes(),
        WordNetTopics.labels(WordNetTopics.Variant.TOPICS_8));
  }
}
