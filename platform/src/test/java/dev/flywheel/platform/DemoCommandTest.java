package dev.flywheel.platform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.slm.Example;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

  @Test
  void shouldDefaultToThePretrainedEncoderExceptForMostlyCjkText() {
    List<Example> english =
        List.of(
            new Example("1", "a small furry animal", "animal"),
            new Example("2", "a tall tree with needles", "plant"));
    List<Example> chinese =
        List.of(
            new Example("1", "床前明月光，疑是地上霜。", "li-bai"),
            new Example("2", "春眠不觉晓，处处闻啼鸟。", "meng-haoran"),
            new Example("3", "a note in English", "other"));

    assertThat(DemoCommand.defaultArchitecture(english)).isEqualTo("encoder");
    assertThat(DemoCommand.defaultArchitecture(chinese)).isEqualTo("bag");
  }

  @Test
  void shouldExitWithZeroWhenAnythingWasReleasedHoweverTheDemoEnded() {
    // As the README says: a deadline that comes before --releases releases is not a failure.
    assertThat(DemoCommand.exitStatus(2)).isZero();
    assertThat(DemoCommand.exitStatus(1)).isZero();
    assertThat(DemoCommand.exitStatus(0)).isEqualTo(1);
  }

  @Test
  void shouldNameTheModelAfterABuiltInDataset() {
    assertThat(DemoCommand.modelName("wordnet-topics")).isEqualTo("wordnet-topics");
    assertThat(DemoCommand.modelName("tang-poets")).isEqualTo("tang-poets");
  }

  @Test
  void shouldNameTheModelAfterAFileWithoutItsFolderOrExtension() {
    assertThat(DemoCommand.modelName("/tmp/data/my-file.tsv")).isEqualTo("my-file");
    assertThat(DemoCommand.modelName("SMS Spam_Collection.v1.tsv"))
        .isEqualTo("sms-spam-collection-v1");
  }

  @Test
  void shouldSanitiseAFileNameToTheModelNamePattern() {
    assertThat(DemoCommand.modelName("__Café Reviews!!.tsv")).isEqualTo("cafe-reviews");
    assertThat(DemoCommand.modelName("唐詩.tsv")).isEqualTo("demo");
    assertThat(DemoCommand.modelName(".hidden")).isEqualTo("hidden");
    String longName = DemoCommand.modelName("a".repeat(62) + "-b-c.tsv");
    assertThat(longName).hasSize(62).matches(DemoCommand.MODEL_NAME);
    assertThat(DemoCommand.modelName("x".repeat(100) + ".tsv")).hasSize(63);
  }

  @Test
  void shouldChooseASequenceLengthThatHoldsMostTextsWithinBounds() {
    assertThat(DemoCommand.sequenceLength(texts(100, 10))).isEqualTo(48);
    assertThat(DemoCommand.sequenceLength(texts(100, 100))).isEqualTo(112);
    assertThat(DemoCommand.sequenceLength(texts(100, 1000))).isEqualTo(256);
    // Chinese: one token per character.
    assertThat(DemoCommand.sequenceLength(List.of(new Example("1", "床前明月光".repeat(20), "a"))))
        .isEqualTo(112);
    // 95 % of the texts decide: five long outliers in a hundred do not.
    List<Example> mixed = new ArrayList<>(texts(95, 60));
    mixed.addAll(texts(5, 900));
    assertThat(DemoCommand.sequenceLength(mixed)).isEqualTo(64);
  }

  private static List<Example> texts(int count, int words) {
    List<Example> examples = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      examples.add(new Example("e" + i, "word ".repeat(words), "a"));
    }
    return examples;
  }
}
