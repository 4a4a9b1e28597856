package dev.flywheel.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FreePortsTest {
  @TempDir Path dir;

  @Test
  void shouldPickDistinctBindablePortsBelowTheEphemeralRange() throws IOException {
    Optional<Integer> ephemeralStart = FreePorts.ephemeralStart(FreePorts.EPHEMERAL_RANGE);
    assumeTrue(ephemeralStart.isPresent(), "the kernel's ephemeral range is known (Linux)");
    Set<Integer> picked = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      int port = FreePorts.pick();
      assertThat(port).isBetween(FreePorts.LOWEST, ephemeralStart.get() - 1);
      assertThat(picked.add(port)).as("port %d given once", port).isTrue();
      try (ServerSocket server = new ServerSocket()) {
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      }
    }
  }

  @Test
  void shouldReadTheStartOfTheRangeAndNothingFromAMissingOrBadFile() throws IOException {
    assertThat(FreePorts.ephemeralStart(Files.writeString(dir.resolve("range"), "32768\t60999\n")))
        .contains(32768);
    assertThat(FreePorts.ephemeralStart(dir.resolve("absent"))).isEmpty();
    assertThat(FreePorts.ephemeralStart(Files.writeString(dir.resolve("bad"), "low high")))
        .isEmpty();
  }
}
