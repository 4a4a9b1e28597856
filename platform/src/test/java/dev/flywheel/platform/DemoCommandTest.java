package dev.flywheel.platform;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DemoCommandTest {

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
}
