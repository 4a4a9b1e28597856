package dev.flywheel.slm.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.slm.Example;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class WordNetTopicsTest {

  @Test
  void shouldLoadAboutFortyNineThousandExamplesForTheEightTopics() {
    List<Example> examples = WordNetTopics.load(WordNetTopics.Variant.TOPICS_8);
    assertThat(examples).hasSizeBetween(48_000, 50_500);
    Map<String, Long> counts =
        examples.stream().collect(Collectors.groupingBy(Example::label, Collectors.counting()));
    assertThat(counts.keySet())
        .containsExactlyInAnyOrderElementsOf(WordNetTopics.labels(WordNetTopics.Variant.TOPICS_8))
        .containsExactlyInAnyOrder(
            "animal", "plant", "food", "person", "body", "location", "artifact", "substance");
    assertThat(new HashSet<>(examples.stream().map(Example::id).toList())).hasSize(examples.size());
    assertThat(examples)
        .allSatisfy(
            e -> {
              assertThat(e.text()).isNotBlank().doesNotContain(" | ").doesNotStartWith("\"");
              assertThat(e.id()).matches("wn31-n-\\d{8}");
            });
  }

  @Test
  void shouldLoadAllTwentySixNounCategories() {
    List<Example> examples = WordNetTopics.load(WordNetTopics.Variant.CATEGORIES_26);
    assertThat(WordNetTopics.labels(WordNetTopics.Variant.CATEGORIES_26))
        .hasSize(26)
        .contains("tops", "time");
    assertThat(examples.stream().map(Example::label).distinct().count()).isEqualTo(26);
    assertThat(examples).hasSizeBetween(80_000, 84_000);
  }

  @Test
  void shouldCutTheGlossBeforeItsQuotedExamples() {
    assertThat(
            WordNetTopics.definition(
                "a domestic animal; kept as a pet; \"the dog barked\"; \"x\"  "))
        .isEqualTo("a domestic animal; kept as a pet");
    assertThat(WordNetTopics.definition("\"only an example\"")).isEmpty();
    assertThat(WordNetTopics.definition("plain definition  ")).isEqualTo("plain definition");
  }
}
