package dev.flywheel.common.management;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.common.metrics.Metrics;
import dev.flywheel.embedded.LocalAddresses;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ManagementServerBindingTest {
  @Test
  void shouldListenOnLoopbackOnlyUnlessAHostIsGiven() throws Exception {
    List<InetAddress> others = LocalAddresses.nonLoopback();
    Assumptions.assumeFalse(others.isEmpty(), "this machine has no non-loopback address");
    try (ManagementServer server =
        ManagementServer.builder().port(0).registry(Metrics.newRegistry()).build()) {
      server.start();
      for (InetAddress address : others) {
        assertThat(LocalAddresses.accepts(address, server.port()))
            .as("%s:%d", address, server.port())
            .isFalse();
      }
      assertThat(LocalAddresses.accepts(InetAddress.getLoopbackAddress(), server.port())).isTrue();
    }
  }
}
