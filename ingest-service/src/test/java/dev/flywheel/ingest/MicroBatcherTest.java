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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MicroBatcherTest {
  private static Classifier classifier;
  private static final ExecutorService inference = Executors.newFixedThreadPool(4);

  /**
   * A real classifier that records the size of every pass it is asked for and, while its gate is
   * closed, holds each pass until the gate opens.
   */
  private static final class Recording implements TextClassifier {
    final List<Integer> passes = new CopyOnWriteArrayList<>();
    final CountDownLatch gate;
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger mostRunning = new AtomicInteger();
    final CountDownLatch entered;

    Recording(boolean gated, int expectedEntries) {
      gate = new CountDownLatch(gated ? 1 : 0);
      entered = new CountDownLatch(expectedEntries);
    }

    @Override
    public List<Prediction> predictBatch(List<String> texts) {
      int now = running.incrementAndGet();
      mostRunning.accumulateAndGet(now, Math::max);
      passes.add(texts.size());
      entered.countDown();
      try {
        if (!gate.await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("gate never opened");
        }
        if (texts.contains("boom")) {
          throw new IllegalStateException("cannot classify boom");
        }
        return classifier.predictBatch(texts);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } finally {
        running.decrementAndGet();
      }
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
  }

  @Test
  void aLoneTextStartsItsPassAtOnce() throws Exception {
    Recording recording = new Recording(false, 1);
    MicroBatcher batcher = new MicroBatcher(recording, inference, 16, 1);
    Prediction p = batcher.submit("a hammer").get(5, TimeUnit.SECONDS);
    assertSame(p, classifier.predict("a hammer"));
    assertThat(recording.passes).containsExactly(1);
  }

  @Test
  void textsArrivingDuringAPassShareTheNextPassesAndGetTheirOwnPredictions() throws Exception {
    Recording recording = new Recording(true, 1);
    MicroBatcher batcher = new MicroBatcher(recording, inference, 16, 1);
    List<String> texts = new ArrayList<>();
    List<CompletableFuture<Prediction>> results = new ArrayList<>();
    texts.add("a first text");
    results.add(batcher.submit(texts.get(0)));
    assertThat(recording.entered.await(5, TimeUnit.SECONDS)).isTrue();
    for (int i = 1; i <= 20; i++) {
      texts.add("a small animal number " + i);
      results.add(batcher.submit(texts.get(i)));
    }
    recording.gate.countDown();
    for (int i = 0; i < texts.size(); i++) {
      assertSame(results.get(i).get(5, TimeUnit.SECONDS), classifier.predict(texts.get(i)));
    }
    assertThat(recording.passes).containsExactly(1, 16, 4);
  }

  @Test
  void noMoreThanMaxPassesRunAtOnce() throws Exception {
    Recording recording = new Recording(true, 2);
    MicroBatcher batcher = new MicroBatcher(recording, inference, 4, 2);
    List<CompletableFuture<Prediction>> results = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      results.add(batcher.submit("a tool number " + i));
    }
    assertThat(recording.entered.await(5, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(200); // a third pass, were one allowed, would have started by now
    assertThat(recording.running.get()).isEqualTo(2);
    recording.gate.countDown();
    for (CompletableFuture<Prediction> r : results) {
      r.get(5, TimeUnit.SECONDS);
    }
    assertThat(recording.mostRunning.get()).isEqualTo(2);
    assertThat(recording.passes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(30);
    assertThat(recording.passes).allSatisfy(n -> assertThat(n).isBetween(1, 4));
  }

  @Test
  void aFailedPassFailsOnlyItsTextsAndTheBatcherGoesOn() throws Exception {
    Recording recording = new Recording(false, 1);
    MicroBatcher batcher = new MicroBatcher(recording, inference, 16, 1);
    assertThatThrownBy(() -> batcher.submit("boom").get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("cannot classify boom");
    assertSame(batcher.submit("a saw").get(5, TimeUnit.SECONDS), classifier.predict("a saw"));
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
  void aFullInferencePoolFailsTheTextsNoPassWillTake() {
    MicroBatcher batcher =
        new MicroBatcher(
            new Recording(false, 0),
            r -> {
              throw new RejectedExecutionException("full");
            },
            2,
            1);
    CompletableFuture<Prediction> first = batcher.submit("a");
    CompletableFuture<Prediction> second = batcher.submit("b");
    for (CompletableFuture<Prediction> f : List.of(first, second)) {
      assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(RejectedExecutionException.class);
    }
  }
}
