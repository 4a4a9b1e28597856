package dev.flywheel.slm.encoder;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class EncoderTokenizerTest {

  private static EncoderTokenizer minilm(int maxLength) throws Exception {
    try (InputStream in =
        EncoderTokenizerTest.class
            .getClassLoader()
            .getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
      return EncoderTokenizer.create(in.readAllBytes(), maxLength, "minilm");
    }
  }

  @Test
  void shouldFrameTextWithClsAndSepAndTruncateAtMaxLength() throws Exception {
    try (EncoderTokenizer tokenizer = minilm(16)) {
      long[] empty = tokenizer.encode("");
      long[] long_ = tokenizer.encode("word ".repeat(100));
      assertThat(empty).containsExactly(101, 102);
      assertThat(long_).hasSize(16);
      assertThat(long_[0]).isEqualTo(101);
      assertThat(long_[15]).isEqualTo(102);
    }
  }

  @Test
  void shouldCutLongTextIntoFramedWindowsUpToTheLimit() throws Exception {
    try (EncoderTokenizer tokenizer = minilm(12)) {
      List<long[]> all = tokenizer.windows("word ".repeat(50), 100);
      List<long[]> three = tokenizer.windows("word ".repeat(50), 3);
      assertThat(all).hasSize(5); // 50 pieces in windows of 10
      assertThat(three).hasSize(3);
      assertThat(all)
          .allSatisfy(
              w -> {
                assertThat(w.length).isLessThanOrEqualTo(12);
                assertThat(w[0]).isEqualTo(101);
                assertThat(w[w.length - 1]).isEqualTo(102);
              });
      assertThat(tokenizer.windows("short", 3)).hasSize(1);
    }
  }
}
