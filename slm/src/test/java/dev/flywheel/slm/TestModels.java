package dev.flywheel.slm;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Tiny trained models shared by tests (training each takes well under a second). */
final class TestModels {
  private static final Map<Architecture, TrainingResult> CACHE = new EnumMap<>(Architecture.class);

  private TestModels() {}

  static Hyperparameters tiny(Architecture architecture) {
    return Hyperparameters.defaults(architecture)
        .withValues(
            Map.of(
                "epochs", "3",
                "batchSize", "16",
                "sequenceLength", "12",
                "embeddingDim", "16",
                "hiddenDim", architecture == Architecture.BAG ? "0" : "16",
                "bigrams", Boolean.toString(architecture == Architecture.BAG),
                "bigramBuckets", architecture == Architecture.BAG ? "64" : "0",
                "validationShare", "0.2",
                "patience", "0",
                "learningRate", "0.01"));
  }

  static synchronized TrainingResult trained(Architecture architecture) {
    return CACHE.computeIfAbsent(
        architecture,
        a ->
            TextClassifierTrainer.train(
                TrainingRequest.builder()
                    .setExamples(TestData.topics(30))
                    .setModelName("test-" + a.key())
                    .setVersion("1")
                    .optRequestId("req-1")
                    .optDatasetSnapshot(Map.of("flywheel-examples-0", "90"))
                    .optHyperparameters(tiny(a))
                    .optLabels(List.of("animal", "food", "vehicle"))
                    .build()));
  }
}
