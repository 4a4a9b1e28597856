package dev.flywheel.slm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.slm.data.WordNetTopics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Trains the default architecture on real WordNet text and checks it learned something real. */
class WordNetTrainingIT {

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void shouldTrainTheDefaultArchitectureWellAboveTheMajorityClass() throws Exception {
    List<Example> all = new ArrayList<>(WordNetTopics.load(WordNetTopics.Variant.TOPICS_8));
    Collections.shuffle(all, new Random(11));
    List<Example> train = all.subList(0, 4000);
    List<Example> test = all.subList(4000, 5000);
    double majority =
        test.stream()
                .collect(Collectors.groupingBy(Example::label, Collectors.counting()))
                .values()
                .stream()
                .mapToLong(Long::longValue)
                .max()
                .orElseThrow()
            / (double) test.size();

    long start = System.nanoTime();
    TrainingResult result =
        TextClassifierTrainer.train(
            TrainingRequest.builder()
                .setExamples(train)
                .setModelName("wordnet-topics")
                .setVersion("it")
                .optLabels(WordNetTopics.labels(WordNetTopics.Variant.TOPICS_8))
                .build());
    double trainSeconds = (System.nanoTime() - start) / 1e9;

    try (Classifier classifier = Classifier.load(result.bundle())) {
      EvaluationReport report = Evaluator.evaluate(classifier, test, 100);
      assertThat(report.accuracy()).isGreaterThan(majority + 0.4).isGreaterThan(0.75);
      assertThat(report.macroF1()).isGreaterThan(0.65);
      assertThat(report.perLabel().keySet())
          .containsExactlyElementsOf(WordNetTopics.labels(WordNetTopics.Variant.TOPICS_8));
      System.out.printf(
          "WordNet 8 topics, 4000 train / 1000 test: accuracy %.4f (majority %.4f), macro-F1 %.4f,"
              + " %d epochs, %.0f examples/s, %.1f s training, p50 %.3f ms%n",
          report.accuracy(),
          majority,
          report.macroF1(),
          result.epochsRun(),
          result.examplesPerSecond(),
          trainSeconds,
          report.latencyP50Millis());
    }
  }
}
