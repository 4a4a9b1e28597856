package dev.flywheel.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.flywheel.slm.Architecture;
import dev.flywheel.slm.Classifier;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.Hyperparameters;
import dev.flywheel.slm.ModelBundle;
import dev.flywheel.slm.Prediction;
import dev.flywheel.slm.TextClassifier;
import dev.flywheel.slm.TextClassifierTrainer;
import dev.flywheel.slm.TrainingRequest;
import dev.flywheel.slm.data.WordNetTopics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MicroBatcherTest {
  private static Classifier classifier;
  private static final ExecutorService inference = Executors.newFixedThreadPool(2);
  private static final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor();

  /** A real classifier that records the size of every pass it is asked for. */
  private static final class Recording implements TextClassifier {
    final List<Integer> passes = new CopyOnWriteArrayList<>();

    @Override
    public List<Prediction> predictBatch(List<String> texts) {
      passes.add(texts.size());
      return classifier.predictBatch(texts);
    }

    @Override
    public List<String> labels() {
      return classifier.labels();
    }

    @Override
    public ModelBundle bundle() {
      return classifier.bundle();
    }

    @Override
    public void close() {}
  }

  @BeforeAll
  static void train() throws Exception {
    List<Example> examples = new ArrayList<>(WordNetTopics.load(WordNetTopics.Variant.TOPICS_8));
    Collections.shuffle(examples, new Random(3));
    examples = examples.subList(0, 200);
    Hyperparameters h =
        Hyperparameters.defaults(Architecture.BAG)
            .withValues(Map.of("epochs", "1", "embeddingDim", "8", "patience", "0"));
    ModelBundle bundle =
        TextClassifierTrainer.train(
                TrainingRequest.builder()
                    .setExamples(examples)
                    .setModelName("m")
                    .setVersion("1")
                    .optHyperparameters(h)
                    .build())
            .bundle();
    classifier = Classifier.load(bundle);
  }

  @AfterAll
  static void close() {
    classifier.close();
    inference.shutdownNow();
    timer.shutdownNow();
  }

  @Test
  void sixteenConcurrentTextsShareOnePassAndGetTheirOwnPredictions() throws Exception {
    Recording recording = new Recording();
    MicroBatcher batcher =
        new MicroBatcher(recording, inference, timer, 16, TimeUnit.SECONDS.toNanos(10));
    List<String> texts = new ArrayList<>();
    List<CompletableFuture<Prediction>> results = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      texts.add("a small animal number " + i);
      results.add(batcher.submit(texts.get(i)));
    }
    for (int i = 0; i < 16; i++) {
      assertSame(results.get(i).get(5, TimeUnit.SECONDS), classifier.predict(texts.get(i)));
    }
    assertThat(recording.passes).containsExactly(16);
  }

  @Test
  void aLoneTextLeavesAfterTheBoundedWait() throws Exception {
    Recording recording = new Recording();
    MicroBatcher batcher =
        new MicroBatcher(recording, inference, timer, 16, TimeUnit.MILLISECONDS.toNanos(2));
    long started = System.nanoTime();
    Prediction p = batcher.submit("a hammer").get(5, TimeUnit.SECONDS);
    assertSame(p, classifier.predict("a hammer"));
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(1000);
    assertThat(recording.passes).containsExactly(1);
  }

  /** Equal up to float rounding (a batched pass may round differently from a single one). */
  private static void assertSame(Prediction actual, Prediction expected) {
    assertThat(actual.label()).isEqualTo(expected.label());
    expected
        .scores()
        .forEach(
            (label, score) ->
                assertThat(actual.scores().get(label)).isCloseTo(score, within(1e-5f)));
  }

  @Test
  void aFullInferencePoolFailsEveryTextOfTheBatch() {
    MicroBatcher batcher =
        new MicroBatcher(
            new Recording(),
            r -> {
              throw new RejectedExecutionException("full");
            },
            timer,
            2,
            TimeUnit.SECONDS.toNanos(10));
    CompletableFuture<Prediction> first = batcher.submit("a");
    CompletableFuture<Prediction> second = batcher.submit("b");
    for (CompletableFuture<Prediction> f : List.of(first, second)) {
      assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(RejectedExecutionException.class);
    }
  }
}
