package dev.flywheel.platform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.slm.Example;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AppSimulatorTest {

  @Test
  void shouldSeedEveryLabelEvenARareOneAndKeepTheRestUnseen() {
    List<Example> dataset = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      dataset.add(new Example("c" + i, "common text " + i, "common"));
    }
    for (int i = 0; i < 12; i++) {
      dataset.add(new Example("r" + i, "rare text " + i, "rare"));
    }
    AppSimulator simulator = simulator(dataset, 100);

    assertThat(simulator.seedSet()).hasSize(100);
    assertThat(simulator.seedSet()).filteredOn(e -> e.label().equals("rare")).hasSize(10);
    assertThat(simulator.unseenSize()).isEqualTo(1012 - 100);
  }

  @Test
  void shouldTakeTheFirstShuffledExamplesWhenEveryLabelIsCommon() {
    List<Example> dataset = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      dataset.add(new Example("e" + i, "text " + i, i % 2 == 0 ? "a" : "b"));
    }
    List<Example> seeds = simulator(dataset, 100).seedSet();

    assertThat(seeds).hasSize(100);
    assertThat(seeds).isEqualTo(simulator(dataset, 100).seedSet());
    assertThat(seeds.stream().map(Example::label).distinct()).containsExactlyInAnyOrder("a", "b");
  }

  private static AppSimulator simulator(List<Example> dataset, int seedSize) {
    return new AppSimulator(
        null,
        null,
        "m",
        Map.of(),
        dataset,
        List.of("common", "rare"),
        new AppSimulator.Behaviour(1, 0.5, 0.0, 7, seedSize));
  }
}
