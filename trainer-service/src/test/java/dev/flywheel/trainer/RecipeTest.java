package dev.flywheel.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.events.ModelSpec;
import dev.flywheel.slm.Architecture;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecipeTest {

  static ModelSpec spec(List<String> labels, String architecture, Map<String, String> hp) {
    return ModelSpec.newBuilder()
        .setName("m")
        .setLabels(labels)
        .setArchitecture(architecture)
        .setHyperparameters(hp)
        .setUpdatedAt(Instant.EPOCH)
        .build();
  }

  @Test
  void shouldTakeArchitectureAndHyperparametersFromTheSpec() throws Exception {
    Recipe recipe = Recipe.of(spec(List.of("a", "b"), "lstm", Map.of("epochs", "2")));

    assertThat(recipe.labels()).containsExactly("a", "b");
    assertThat(recipe.hyperparameters().architecture()).isEqualTo(Architecture.LSTM);
    assertThat(recipe.hyperparameters().epochs()).isEqualTo(2);
  }

  @Test
  void shouldReportEveryProblemOfASpecAtOnce() {
    assertThatThrownBy(
            () ->
                Recipe.of(spec(List.of("a", "a"), "bag", Map.of("noSuchKey", "1", "epochs", "x"))))
        .isInstanceOf(Recipe.InvalidSpecException.class)
        .hasMessageContaining("duplicates")
        .hasMessageContaining("noSuchKey")
        .hasMessageContaining("epochs");
  }

  @Test
  void shouldRejectAnUnknownArchitecture() {
    assertThatThrownBy(() -> Recipe.of(spec(List.of("a", "b"), "perceptron", Map.of())))
        .isInstanceOf(Recipe.InvalidSpecException.class)
        .hasMessageContaining("perceptron");
  }

  @Test
  void shouldRejectAnArchitectureInTheMapThatContradictsTheSpec() {
    assertThatThrownBy(
            () -> Recipe.of(spec(List.of("a", "b"), "bag", Map.of("architecture", "lstm"))))
        .isInstanceOf(Recipe.InvalidSpecException.class)
        .hasMessageContaining("contradicts");
  }

  @Test
  void shouldRejectASingleLabel() {
    assertThatThrownBy(() -> Recipe.of(spec(List.of("a"), "bag", Map.of())))
        .isInstanceOf(Recipe.InvalidSpecException.class)
        .hasMessageContaining("at least two");
  }
}
