package dev.flywheel.slm.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.slm.Example;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TangPoetsTest {

  @Test
  void shouldLoadTwoHundredFiftyPoemsForEachOfEightPoets() {
    List<Example> examples = TangPoets.load();
    assertThat(examples).hasSize(2_000);
    Map<String, Long> counts =
        examples.stream().collect(Collectors.groupingBy(Example::label, Collectors.counting()));
    assertThat(counts.keySet())
        .containsExactlyInAnyOrder("白居易", "杜甫", "李白", "元稹", "劉禹錫", "齊己", "貫休", "李商隱");
    assertThat(counts.values()).containsOnly(250L);
    assertThat(TangPoets.labels()).hasSize(8).isSorted();
    assertThat(new HashSet<>(examples.stream().map(Example::id).toList())).hasSize(2_000);
    assertThat(examples)
        .allSatisfy(
            e ->
                assertThat(e.text().codePoints().filter(Character::isIdeographic).count())
                    .isPositive());
  }
}
