package dev.flywheel.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.embedded.EmbeddedInfraMain.Options;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EmbeddedInfraMainTest {
  @Test
  void shouldUseConfluentStylePortsAndALocalDataDirectoryByDefault() {
    assertThat(Options.parse())
        .isEqualTo(new Options(Path.of("flywheel-data", "kafka"), 9092, 8081, 0));
  }

  @Test
  void shouldReadEveryOption() {
    assertThat(
            Options.parse(
                "--data-dir",
                "/tmp/x",
                "--kafka-port",
                "0",
                "--registry-port",
                "18081",
                "--controller-port",
                "19093"))
        .isEqualTo(new Options(Path.of("/tmp/x"), 0, 18081, 19093));
  }

  @Test
  void shouldRejectUnknownOptionsMissingValuesAndBadPorts() {
    assertThatThrownBy(() -> Options.parse("--kafka-prot", "1")).hasMessageContaining("unknown");
    assertThatThrownBy(() -> Options.parse("--data-dir")).hasMessageContaining("missing value");
    assertThatThrownBy(() -> Options.parse("--kafka-port", "x")).hasMessageContaining("port");
    assertThatThrownBy(() -> Options.parse("--registry-port", "70000"))
        .hasMessageContaining("65535");
  }
}
