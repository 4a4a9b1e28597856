package dev.flywheel.slm.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.flywheel.slm.Example;
import dev.flywheel.slm.data.WordNetTopics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TfidfLogisticRegressionTest {

  @Test
  void shouldReachTheClosedFormOptimumOfATwoTermProblem() {
    // Rows are one-hot (x) and (y); by symmetry W = [[a, -a], [-a, a]] and the intercepts are
    // equal. With C = 1 the objective is 2 ln(1 + e^(-2a)) + 2a^2, minimal where a = 1 / (1 +
    // e^(2a)).
    TfidfLogisticRegression model =
        TfidfLogisticRegression.fit(
            List.of(new Example("1", "x", "A"), new Example("2", "y", "B")), 1.0);
    double a = 0.3;
    for (int i = 0; i < 200; i++) {
      a = 0.5 * a + 0.5 / (1 + Math.exp(2 * a));
    }
    assertThat(model.converged()).isTrue();
    assertThat(model.coefficient("A", "x")).isCloseTo(a, within(1e-5));
    assertThat(model.coefficient("B", "x")).isCloseTo(-a, within(1e-5));
    assertThat(model.coefficient("A", "y")).isCloseTo(-a, within(1e-5));
    assertThat(model.intercept("A") - model.intercept("B")).isCloseTo(0, within(1e-6));
    assertThat(model.probabilities("x")[0]).isCloseTo(1 / (1 + Math.exp(-2 * a)), within(1e-5));
  }

  @Test
  void shouldWeakenThePenaltyAsCGrows() {
    List<Example> examples = List.of(new Example("1", "x", "A"), new Example("2", "y", "B"));
    double weak = TfidfLogisticRegression.fit(examples, 100).coefficient("A", "x");
    double strong = TfidfLogisticRegression.fit(examples, 0.01).coefficient("A", "x");
    assertThat(weak).isGreaterThan(1.0);
    assertThat(strong).isLessThan(0.01).isPositive();
  }

  @Test
  void shouldSeparateASeparableToyProblemAndGeneraliseByItsWords() {
    List<Example> train = new ArrayList<>();
    String[] good = {"great film", "good fun", "great acting good story", "good and great"};
    String[] bad = {"awful film", "bad fun", "awful acting bad story", "bad and awful"};
    for (int i = 0; i < good.length; i++) {
      train.add(new Example("g" + i, good[i], "pos"));
      train.add(new Example("b" + i, bad[i], "neg"));
    }
    TfidfLogisticRegression model = TfidfLogisticRegression.fit(train);
    assertThat(model.labels()).containsExactly("neg", "pos");
    assertThat(model.accuracy(train)).isEqualTo(1.0);
    assertThat(model.predict("a great story")).isEqualTo("pos");
    assertThat(model.predict("an awful story")).isEqualTo("neg");
    assertThat(
            model.accuracy(
                List.of(new Example("t1", "good", "pos"), new Example("t2", "surprise", "x"))))
        .isEqualTo(0.5);
  }

  @Test
  void shouldBeDeterministic() {
    List<Example> examples = wordNet(1, 300);
    TfidfLogisticRegression a = TfidfLogisticRegression.fit(examples);
    TfidfLogisticRegression b = TfidfLogisticRegression.fit(examples);
    assertThat(a.probabilities("a small furry animal"))
        .containsExactly(b.probabilities("a small furry animal"));
  }

  @Test
  void shouldLandNearTwoThirdsOnFourHundredWordNetTopicExamples() {
    // The figure issue 15 quotes for 400 examples of the 8 topics is 0.657; over three random
    // draws of 400 training and 2,000 test examples the mean lands near it (0.661 measured; with
    // scikit-learn's default C = 1 it would be 0.58).
    double sum = 0;
    for (long seed = 1; seed <= 3; seed++) {
      List<Example> all = wordNet(seed, 2_400);
      TfidfLogisticRegression model = TfidfLogisticRegression.fit(all.subList(0, 400));
      assertThat(model.converged()).isTrue();
      sum += model.accuracy(all.subList(400, 2_400));
    }
    assertThat(sum / 3).isBetween(0.63, 0.69);
  }

  @Test
  void shouldRefuseASingleLabelAndANonPositiveC() {
    List<Example> one = List.of(new Example("1", "x", "A"), new Example("2", "y", "A"));
    assertThatThrownBy(() -> TfidfLogisticRegression.fit(one))
        .isInstanceOf(IllegalArgumentException.class);
    List<Example> two = List.of(new Example("1", "x", "A"), new Example("2", "y", "B"));
    assertThatThrownBy(() -> TfidfLogisticRegression.fit(two, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static List<Example> wordNet(long seed, int n) {
    List<Example> all = new ArrayList<>(WordNetTopics.load(WordNetTopics.Variant.TOPICS_8));
    Collections.shuffle(all, new Random(seed));
    return all.subList(0, n);
  }
}
