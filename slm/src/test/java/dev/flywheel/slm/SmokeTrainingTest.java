package dev.flywheel.slm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SmokeTrainingTest {

  @ParameterizedTest
  @EnumSource(Architecture.class)
  void shouldTrainTwoBatchesAndPredictWithEachArchitecture(Architecture architecture)
      throws Exception {
    List<Example> examples = TestData.topics(20);
    Hyperparameters h =
        Hyperparameters.defaults(architecture)
            .withValues(
                Map.of(
                    "epochs", "1",
                    "batchSize", "30",
                    "validationShare", "0",
                    "sequenceLength", "12",
                    "embeddingDim", "16",
                    "hiddenDim", architecture == Architecture.BAG ? "0" : "16"));
    TrainingResult result =
        TextClassifierTrainer.train(
            TrainingRequest.builder()
                .setExamples(examples)
                .setModelName("smoke")
                .setVersion("1")
                .optHyperparameters(h)
                .build());
    assertThat(result.epochsRun()).isEqualTo(1);
    assertThat(result.trainLoss()).hasSize(1).allSatisfy(l -> assertThat(l).isFinite());
    try (Classifier classifier = Classifier.load(result.bundle())) {
      Prediction p = classifier.predict("a dog with a tail");
      assertThat(p.scores()).containsOnlyKeys("animal", "food", "vehicle");
      assertThat(p.scores().values().stream().mapToDouble(Float::doubleValue).sum())
          .isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
    }
  }

  @Test
  void shouldTrainTheBagWithBigramsAndTokenDropout() throws Exception {
    Hyperparameters h =
        TestModels.tiny(Architecture.BAG).withValues(Map.of("dropout", "0.5", "epochs", "2"));
    TrainingRequest request =
        TrainingRequest.builder()
            .setExamples(TestData.topics(20))
            .setModelName("smoke")
            .setVersion("2")
            .optHyperparameters(h)
            .build();
    TrainingResult first = TextClassifierTrainer.train(request);
    assertThat(first.trainLoss()).allSatisfy(l -> assertThat(l).isFinite().isPositive());
    // Seeded: the random token masks repeat, so the run does too.
    assertThat(TextClassifierTrainer.train(request).trainLoss()).isEqualTo(first.trainLoss());
  }
}
