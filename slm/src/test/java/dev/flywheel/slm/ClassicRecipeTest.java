package dev.flywheel.slm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClassicRecipeTest {

  @Test
  void shouldBeFoundThroughItsServiceRegistration() {
    // Recipes (slm-api) names no recipe; this module registers it in META-INF/services.
    for (String key : new String[] {"bag", "lstm", "transformer"}) {
      assertThat(Recipes.forArchitecture(key)).isInstanceOf(ClassicRecipe.class);
    }
    assertThat(Recipes.keys()).containsExactly("bag", "lstm", "transformer");
  }
}
