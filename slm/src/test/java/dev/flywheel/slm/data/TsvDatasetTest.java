package dev.flywheel.slm.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.flywheel.slm.Example;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TsvDatasetTest {
  @TempDir Path dir;

  private Path file(String content) throws Exception {
    Path f = dir.resolve("data.tsv");
    Files.writeString(f, content, StandardCharsets.UTF_8);
    return f;
  }

  @Test
  void shouldReadLabelsAndTextsAndDropDuplicates() throws Exception {
    TsvDataset d =
        TsvDataset.read(
            file(
                "\uFEFFanimal\ta dog\n\nfood\tbread\twith a tab\nanimal\t a dog \nfood\ta dog\nfood\tsoup\n"));
    assertThat(d.examples()).extracting(Example::label).containsExactly("animal", "food", "food");
    assertThat(d.examples())
        .extracting(Example::text)
        .containsExactly("a dog", "bread\twith a tab", "soup");
    assertThat(d.duplicatesRemoved()).isEqualTo(1);
    assertThat(d.conflictsRemoved()).isEqualTo(1);
    assertThat(d.examples().get(0).id()).matches("tsv-[0-9a-f]{16}");
    assertThat(TsvDataset.read(file("x\tsoup\ny\ta dog\n")).examples().get(1).id())
        .isEqualTo(d.examples().get(0).id());
  }

  @Test
  void shouldNameTheLineAndReasonOfAMissingTab() throws Exception {
    DatasetException e =
        catchThrowableOfType(
            DatasetException.class, () -> TsvDataset.read(file("a\tok\nno tab here\n")));
    assertThat(e.line()).isEqualTo(2);
    assertThat(e).hasMessageContaining("line 2").hasMessageContaining("no tab");
  }

  @Test
  void shouldRejectEmptyLabelsAndTexts() throws Exception {
    assertThat(
            catchThrowableOfType(DatasetException.class, () -> TsvDataset.read(file("\ttext\n"))))
        .hasMessageContaining("line 1: empty label");
    assertThat(
            catchThrowableOfType(
                DatasetException.class, () -> TsvDataset.read(file("a\tb\nlabel\t  \n"))))
        .hasMessageContaining("line 2: empty text");
  }

  @Test
  void shouldRejectInvalidUtf8WithItsLineNumber() throws Exception {
    Path f = dir.resolve("bad.tsv");
    byte[] bad = {'a', '\t', 'o', 'k', '\n', 'b', '\t', (byte) 0xC3, (byte) 0x28, '\n'};
    Files.write(f, bad);
    DatasetException e = catchThrowableOfType(DatasetException.class, () -> TsvDataset.read(f));
    assertThat(e).hasMessageContaining("not valid UTF-8");
    assertThat(e.line()).isEqualTo(2);
  }

  @Test
  void shouldReportAMissingFile() {
    DatasetException e =
        catchThrowableOfType(
            DatasetException.class, () -> TsvDataset.read(dir.resolve("none.tsv")));
    assertThat(e.line()).isZero();
    assertThat(e).hasMessageContaining("none.tsv");
  }
}
