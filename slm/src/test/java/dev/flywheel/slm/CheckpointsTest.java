package dev.flywheel.slm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {
  @TempDir Path dir;

  private static Checkpoints.State state(int epoch, int bestEpoch) {
    return new Checkpoints.State(
        1,
        "m",
        "1",
        List.of("a", "b"),
        Map.of("epochs", "3"),
        "fingerprint",
        4,
        epoch,
        bestEpoch,
        0.5,
        epoch - bestEpoch,
        false,
        List.of(1.0, 0.5),
        List.of(0.4, 0.5),
        1.5,
        100,
        false,
        "no parent model");
  }

  @Test
  void shouldStoreTheParametersOnceWhenTheCurrentAreTheBestAndReadThemBackForBoth()
      throws Exception {
    Tokenizer tokenizer = Tokenizer.build(List.of("red apple", "blue car"), 1, 10, 4);
    byte[] best = new byte[100_000];
    best[7] = 7;
    Path once = dir.resolve("once.ckpt");
    Checkpoints.write(once, state(2, 2), tokenizer, best, best);
    Path twice = dir.resolve("twice.ckpt");
    Checkpoints.write(twice, state(2, 2), tokenizer, best.clone(), best);

    assertThat(Files.size(once)).isLessThan(Files.size(twice) - 90_000);
    Checkpoints.Loaded loaded = Checkpoints.read(once);
    assertThat(loaded.current()).isEqualTo(best);
    assertThat(loaded.best()).isEqualTo(best);
    assertThat(loaded.state()).isEqualTo(state(2, 2));
    assertThat(loaded.tokenizer().vocabularyHash()).isEqualTo(tokenizer.vocabularyHash());
  }

  @Test
  void shouldKeepDistinctCurrentAndBestParameters() throws Exception {
    Tokenizer tokenizer = Tokenizer.build(List.of("red apple", "blue car"), 1, 10, 4);
    Path file = dir.resolve("run.ckpt");
    Checkpoints.write(file, state(3, 2), tokenizer, new byte[] {3, 3, 3}, new byte[] {2, 2});

    Checkpoints.Loaded loaded = Checkpoints.read(file);
    assertThat(loaded.current()).containsExactly(3, 3, 3);
    assertThat(loaded.best()).containsExactly(2, 2);
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      assertThat(files).as("no temporary file is left").containsExactly(file);
    }
  }
}
