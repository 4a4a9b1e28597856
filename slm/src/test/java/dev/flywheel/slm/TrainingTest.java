package dev.flywheel.slm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingTest {

  private static TrainingRequest.Builder request(List<Example> examples) {
    return TrainingRequest.builder()
        .setExamples(examples)
        .setModelName("m")
        .setVersion("1")
        .optHyperparameters(TestModels.tiny(Architecture.BAG));
  }

  private static TrainingException failure(TrainingRequest r) {
    return catchThrowableOfType(TrainingException.class, () -> TextClassifierTrainer.train(r));
  }

  @Test
  void shouldRefuseARequestWithoutExamples() {
    assertThat(failure(request(List.of()).build()).reason())
        .isEqualTo(TrainingException.Reason.NO_EXAMPLES);
  }

  @Test
  void shouldRefuseALabelWithoutExamples() {
    TrainingException e =
        failure(
            request(TestData.topics(5))
                .optLabels(List.of("animal", "food", "vehicle", "plant"))
                .build());
    assertThat(e.reason()).isEqualTo(TrainingException.Reason.LABEL_WITHOUT_EXAMPLES);
    assertThat(e).hasMessageContaining("[plant]");
  }

  @Test
  void shouldRefuseExamplesWithUndeclaredLabels() {
    TrainingException e =
        failure(request(TestData.topics(5)).optLabels(List.of("animal", "food")).build());
    assertThat(e.reason()).isEqualTo(TrainingException.Reason.UNKNOWN_LABEL);
    assertThat(e).hasMessageContaining("vehicle");
  }

  @Test
  void shouldRefuseInvalidHyperparameters() {
    Hyperparameters bad =
        new Hyperparameters(
            Architecture.BAG, 2, 0, 12, 16, 0, 1, 8, 0.01f, 0, 0f, 1, false, 0, 0, 0, 0f, 0, 1);
    TrainingException e = failure(request(TestData.topics(5)).optHyperparameters(bad).build());
    assertThat(e.reason()).isEqualTo(TrainingException.Reason.INVALID_HYPERPARAMETERS);
    assertThat(e).hasMessageContaining("maxVocab").hasMessageContaining("minFrequency");
  }

  @Test
  void shouldFailOnANonFiniteLoss() {
    assertThat(TextClassifierTrainer.checkFinite(0.5f, 1, 1)).isEqualTo(0.5f);
    TrainingException e =
        catchThrowableOfType(
            TrainingException.class, () -> TextClassifierTrainer.checkFinite(Float.NaN, 2, 7));
    assertThat(e.reason()).isEqualTo(TrainingException.Reason.NON_FINITE_LOSS);
    assertThat(e).hasMessageContaining("epoch 2 step 7");
  }

  @Test
  void shouldReportProgressForEachOfTwoBatches() {
    List<TrainingProgress> progress = new ArrayList<>();
    List<EpochSummary> epochs = new ArrayList<>();
    TrainingResult result =
        TextClassifierTrainer.train(
            request(TestData.topics(10))
                .optHyperparameters(
                    TestModels.tiny(Architecture.BAG)
                        .withValues(
                            Map.of("epochs", "1", "batchSize", "15", "validationShare", "0")))
                .optProgressInterval(Duration.ZERO)
                .optListener(
                    new TrainingListener() {
                      @Override
                      public void onProgress(TrainingProgress p) {
                        progress.add(p);
                      }

                      @Override
                      public void onEpochEnd(EpochSummary s) {
                        epochs.add(s);
                      }
                    })
                .build());
    assertThat(progress).extracting(TrainingProgress::step).containsExactly(1, 2);
    assertThat(progress)
        .allSatisfy(
            p -> {
              assertThat(p.steps()).isEqualTo(2);
              assertThat(p.loss()).isPositive();
              assertThat(p.examplesPerSecond()).isPositive();
              assertThat(p.device()).isEqualTo("cpu()");
            });
    assertThat(progress.get(1).eta()).isZero();
    assertThat(epochs).singleElement().satisfies(s -> assertThat(s.validationAccuracy()).isNaN());
    assertThat(result.trainExamples()).isEqualTo(30);
    assertThat(result.validationExamples()).isZero();
  }

  @Test
  void shouldLearnSeparableTopicsAndKeepTheBestEpoch() {
    TrainingResult result = TestModels.trained(Architecture.BAG);
    assertThat(result.bestValidationAccuracy()).isGreaterThan(0.8);
    assertThat(result.validationAccuracy()).hasSize(result.epochsRun());
    assertThat(result.validationAccuracy().get(result.bestEpoch() - 1))
        .isEqualTo(result.bestValidationAccuracy());
    assertThat(result.trainExamples() + result.validationExamples()).isEqualTo(90);
  }

  @Test
  void shouldStopEarlyWhenValidationStopsImproving() {
    TrainingResult result =
        TextClassifierTrainer.train(
            request(TestData.topics(30))
                .optHyperparameters(
                    TestModels.tiny(Architecture.BAG)
                        .withValues(Map.of("epochs", "40", "patience", "1", "minValidation", "0")))
                .build());
    assertThat(result.stoppedEarly()).isTrue();
    assertThat(result.epochsRun()).isLessThan(40).isEqualTo(result.bestEpoch() + 1);
  }

  @Test
  void shouldCrossValidateTheEpochCountWhenTheValidationSplitIsSmallThenTrainOnAllExamples() {
    Hyperparameters h =
        TestModels.tiny(Architecture.BAG)
            .withValues(Map.of("epochs", "6", "patience", "2", "minValidation", "200"));
    List<EpochSummary> epochs = new ArrayList<>();
    TrainingRequest r =
        request(TestData.topics(30))
            .optHyperparameters(h)
            .optListener(
                new TrainingListener() {
                  @Override
                  public void onEpochEnd(EpochSummary s) {
                    epochs.add(s);
                  }
                })
            .build();
    TrainingResult result = TextClassifierTrainer.train(r);
    // The 90 examples' 20 % split (about 18) is under 200: five folds chose the epoch count.
    assertThat(result.trainExamples()).isEqualTo(90);
    assertThat(result.validationExamples()).isEqualTo(90);
    assertThat(result.metrics()).containsEntry("crossValidationFolds", 5.0);
    assertThat(result.validationAccuracy()).hasSize(6);
    assertThat(result.bestValidationAccuracy())
        .isEqualTo(result.validationAccuracy().stream().max(Double::compare).orElseThrow())
        .isEqualTo(result.validationAccuracy().get(result.bestEpoch() - 1));
    assertThat(result.epochsRun()).isEqualTo(result.bestEpoch()).isBetween(1, 6);
    // Only the final run's epochs reach the listener, and the manifest records the request's
    // hyperparameters, not the chosen epoch count.
    assertThat(epochs).hasSize(result.epochsRun());
    assertThat(result.bundle().manifest().hyperparameters()).isEqualTo(h.toMap());
    assertThat(TextClassifierTrainer.train(r).bundle().manifest().parametersSha256())
        .isEqualTo(result.bundle().manifest().parametersSha256());
  }

  @Test
  void shouldBeDeterministicForTheSameSeed() {
    TrainingRequest r = request(TestData.topics(10)).build();
    TrainingResult a = TextClassifierTrainer.train(r);
    TrainingResult b = TextClassifierTrainer.train(r);
    assertThat(b.trainLoss()).isEqualTo(a.trainLoss());
    assertThat(b.bundle().manifest().parametersSha256())
        .isEqualTo(a.bundle().manifest().parametersSha256());
  }

  @Test
  void shouldWarmStartFromAFittingParentAndSayWhyNotOtherwise() {
    ModelBundle parent = TestModels.trained(Architecture.BAG).bundle();
    List<Example> more = TestData.topics(35);
    TrainingResult child =
        TextClassifierTrainer.train(
            request(more)
                .setModelName("test-bag")
                .setVersion("2")
                .optHyperparameters(TestModels.tiny(Architecture.BAG))
                .optParent(parent)
                .build());
    assertThat(child.warmStart().used()).isTrue();
    assertThat(child.warmStart().reason()).contains("parent 1");
    assertThat(child.bundle().manifest().lineage().parentVersion()).isEqualTo("1");
    assertThat(child.bundle().manifest().lineage().parentSha256()).isEqualTo(parent.sha256());
    assertThat(child.bundle().manifest().lineage().warmStarted()).isTrue();
    assertThat(child.bundle().tokenizer().vocabularyHash())
        .isEqualTo(parent.tokenizer().vocabularyHash());

    List<Example> twoLabels = more.stream().filter(e -> !e.label().equals("vehicle")).toList();
    TrainingResult other =
        TextClassifierTrainer.train(request(twoLabels).optParent(parent).build());
    assertThat(other.warmStart().used()).isFalse();
    assertThat(other.warmStart().reason()).startsWith("labels differ");
    assertThat(other.bundle().manifest().lineage().parentVersion()).isEqualTo("1");

    List<Example> newWords =
        more.stream()
            .map(e -> new Example(e.id(), e.text() + " zq xv wk yy jj", e.label()))
            .toList();
    TrainingResult uncovered =
        TextClassifierTrainer.train(request(newWords).optParent(parent).build());
    assertThat(uncovered.warmStart().used()).isFalse();
    assertThat(uncovered.warmStart().reason()).contains("covers");
  }

  @Test
  void shouldResumeFromTheCheckpointOfAnInterruptedRun(@TempDir Path dir) {
    Path checkpoint = dir.resolve("run.ckpt");
    List<Integer> checkpointed = new ArrayList<>();
    TrainingRequest.Builder builder =
        request(TestData.topics(20))
            .optHyperparameters(TestModels.tiny(Architecture.BAG).withValues(Map.of("epochs", "3")))
            .optCheckpointFile(checkpoint);
    TrainingRequest interrupted =
        builder
            .optListener(
                new TrainingListener() {
                  @Override
                  public void onCheckpoint(Path file, int epoch) {
                    checkpointed.add(epoch);
                    Thread.currentThread().interrupt();
                  }
                })
            .build();
    TrainingException e = failure(interrupted);
    assertThat(Thread.interrupted()).isTrue();
    assertThat(e.reason()).isEqualTo(TrainingException.Reason.INTERRUPTED);
    assertThat(checkpointed).containsExactly(1);

    TrainingResult resumed =
        TextClassifierTrainer.train(
            builder.optListener(new TrainingListener() {}).optResumeFrom(checkpoint).build());
    assertThat(resumed.resumedFromEpoch()).isEqualTo(1);
    assertThat(resumed.epochsRun()).isEqualTo(3);
    assertThat(resumed.trainLoss()).hasSize(3);

    TrainingException mismatch =
        failure(
            request(TestData.topics(21))
                .optHyperparameters(
                    TestModels.tiny(Architecture.BAG).withValues(Map.of("epochs", "3")))
                .optResumeFrom(checkpoint)
                .build());
    assertThat(mismatch.reason()).isEqualTo(TrainingException.Reason.CHECKPOINT_INCOMPATIBLE);
    assertThat(mismatch).hasMessageContaining("examples differ");
  }

  @Test
  void shouldAnnounceEveryCheckpointOnTheTrainingThreadOnlyOnceItIsComplete(@TempDir Path dir) {
    Path checkpoint = dir.resolve("run.ckpt");
    Thread trainingThread = Thread.currentThread();
    List<Integer> checkpointed = new ArrayList<>();
    List<Integer> readBack = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    TrainingResult result =
        TextClassifierTrainer.train(
            request(TestData.topics(20))
                .optCheckpointFile(checkpoint)
                .optListener(
                    new TrainingListener() {
                      @Override
                      public void onCheckpoint(Path file, int epoch) {
                        checkpointed.add(epoch);
                        threads.add(Thread.currentThread());
                        readBack.add(Checkpoints.read(file).state().epoch());
                      }
                    })
                .build());
    assertThat(result.epochsRun()).isEqualTo(3);
    assertThat(checkpointed).containsExactly(1, 2, 3);
    assertThat(readBack).containsExactly(1, 2, 3);
    assertThat(threads).containsOnly(trainingThread);
    assertThat(Checkpoints.read(checkpoint).state().epoch()).isEqualTo(3);
  }

  @Test
  void shouldFailTheRunWhenACheckpointCannotBeWritten(@TempDir Path dir) throws IOException {
    Path notADirectory = Files.writeString(dir.resolve("file"), "x");
    TrainingException e =
        failure(
            request(TestData.topics(20))
                .optCheckpointFile(notADirectory.resolve("run.ckpt"))
                .build());
    assertThat(e.reason()).isEqualTo(TrainingException.Reason.ENGINE_FAILURE);
    assertThat(e).hasMessageContaining("cannot write checkpoint");
  }

  @Test
  void shouldQueueConcurrentRunsInOneJvmInsteadOfFailing() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<TrainingResult>> runs = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        runs.add(
            pool.submit(() -> TextClassifierTrainer.train(request(TestData.topics(10)).build())));
      }
      for (Future<TrainingResult> run : runs) {
        assertThat(run.get(60, TimeUnit.SECONDS).epochsRun()).isEqualTo(3);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
