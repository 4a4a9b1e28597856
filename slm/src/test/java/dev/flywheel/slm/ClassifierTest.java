package dev.flywheel.slm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ClassifierTest {

  @Test
  void shouldReturnLabelAndScoresInModelOrder() throws Exception {
    try (Classifier c = Classifier.load(TestModels.trained(Architecture.BAG).bundle())) {
      Prediction p = c.predict("a cat with paws and a tail");
      assertThat(p.label()).isEqualTo("animal");
      assertThat(p.scores().keySet()).containsExactly("animal", "food", "vehicle");
      assertThat(p.confidence()).isEqualTo(p.scores().get("animal"));
      assertThat(c.predictBatch(List.of())).isEmpty();
      List<String> many = Collections.nCopies(Classifier.MAX_BATCH * 2 + 3, "bread soup");
      assertThat(c.predictBatch(many))
          .hasSize(many.size())
          .allSatisfy(q -> assertThat(q.label()).isEqualTo("food"));
    }
  }

  @Test
  @Timeout(60)
  void shouldServeConcurrentCallersAndWaitForThemOnClose() throws Exception {
    Classifier c = Classifier.load(TestModels.trained(Architecture.LSTM).bundle());
    String[] texts = {"a dog with fur", "the engine of a truck", "bread and cheese"};
    String[] expected = new String[texts.length];
    for (int i = 0; i < texts.length; i++) {
      expected[i] = c.predict(texts[i]).label();
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    AtomicInteger served = new AtomicInteger();
    AtomicInteger refusedAfterClose = new AtomicInteger();
    CountDownLatch running = new CountDownLatch(4);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int offset = t;
      futures.add(
          pool.submit(
              () -> {
                running.countDown();
                for (int i = 0; ; i++) {
                  int k = (i + offset) % texts.length;
                  try {
                    assertThat(c.predict(texts[k]).label()).isEqualTo(expected[k]);
                    served.incrementAndGet();
                  } catch (IllegalStateException e) {
                    assertThat(e).hasMessageContaining("is closed");
                    refusedAfterClose.incrementAndGet();
                    return null;
                  }
                }
              }));
    }
    running.await();
    while (served.get() < 200) {
      Thread.onSpinWait();
    }
    c.close();
    for (Future<?> f : futures) {
      f.get(30, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(refusedAfterClose.get()).isEqualTo(4);
    assertThatThrownBy(() -> c.predict("x"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    c.close();
  }

  @ParameterizedTest
  @EnumSource(Architecture.class)
  void shouldNotKeepArraysInTheModelAfterPredictions(Architecture architecture) throws Exception {
    try (Classifier c = Classifier.load(TestModels.trained(architecture).bundle())) {
      c.predictBatch(List.of("warm up", "a dog"));
      int before = c.modelArrayCount();
      for (int i = 0; i < 50; i++) {
        c.predict("the engine of a truck " + i);
        c.predictBatch(List.of("bread", "a cat with paws"));
      }
      assertThat(c.modelArrayCount()).isEqualTo(before);
    }
  }
}
