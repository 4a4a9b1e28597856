package dev.flywheel.slm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the API does with no recipe on the classpath (this module's tests have none, nor DJL). */
class ApiAloneTest {

  @Test
  void shouldServeNoArchitectureWhenNoRecipeIsRegistered() {
    assertThat(Recipes.keys()).isEmpty();
    assertThat(Recipes.find("bag")).isEmpty();
    assertThatThrownBy(() -> Recipes.forArchitecture("bag"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown architecture 'bag'");
  }

  @Test
  void shouldReadABuiltInBundleWithoutItsRecipe() throws Exception {
    ModelBundle built = builtIn();

    ModelBundle read = ModelBundle.fromBytes(built.toByteArray(), built.sha256());

    assertThat(read.manifest()).isEqualTo(built.manifest());
    assertThat(read.hyperparameters()).isEqualTo(built.hyperparameters());
    assertThat(read.tokenizer().vocabulary()).isEqualTo(built.tokenizer().vocabulary());
    assertThat(read.parameters()).isEqualTo(new byte[] {1, 2, 3, 4});
  }

  @Test
  void shouldRefuseARecipeBundleWhoseRecipeIsNotOnTheClasspath() {
    ModelBundle built =
        ModelBundle.create(
            draft("toy", Map.of("architecture", "toy")),
            Map.of("weights.bin", "w".getBytes(StandardCharsets.UTF_8)));

    BundleException e =
        catchThrowableOfType(
            BundleException.class,
            () -> ModelBundle.fromBytes(built.toByteArray(), built.sha256()));

    assertThat(e.reason()).isEqualTo(BundleException.Reason.INCOMPATIBLE);
    assertThat(e)
        .hasMessageContaining("unknown architecture 'toy'")
        .hasMessageContaining("no recipe");
  }

  private static ModelBundle builtIn() {
    Hyperparameters h =
        Hyperparameters.defaults(Architecture.BAG).withValues(Map.of("sequenceLength", "8"));
    Tokenizer tokenizer = Tokenizer.build(List.of("a red apple", "a blue car"), 1, 100, 8);
    return ModelBundle.create(
        draft(h.architecture().key(), h.toMap()), tokenizer, new byte[] {1, 2, 3, 4});
  }

  private static BundleManifest draft(String architecture, Map<String, String> settings) {
    return new BundleManifest(
        ModelBundle.FORMAT,
        ModelBundle.FORMAT_VERSION,
        "m",
        "1",
        ModelBundle.TASK_TEXT_CLASSIFICATION,
        architecture,
        settings,
        List.of("fruit", "vehicle"),
        null,
        null,
        null,
        Map.of(),
        new BundleManifest.Lineage(null, null, Map.of(), null, false),
        "2026-01-01T00:00:00Z",
        null,
        null,
        null,
        "cpu()");
  }
}
