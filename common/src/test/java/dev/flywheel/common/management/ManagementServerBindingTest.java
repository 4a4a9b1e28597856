package dev.flywheel.common.management;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.common.metrics.Metrics;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ManagementServerBindingTest {
  @Test
  void shouldListenOnLoopbackOnlyUnlessAHostIsGiven() throws Exception {
    List<InetAddress> others = nonLoopbackAddresses();
    Assumptions.assumeFalse(others.isEmpty(), "this machine has no non-loopback address");
    try (ManagementServer server =
        ManagementServer.builder().port(0).registry(Metrics.newRegistry()).build()) {
      server.start();
      for (InetAddress address : others) {
        assertThatThrownBy(() -> connect(address, server.port()))
            .as("%s:%d", address, server.port())
            .isInstanceOf(IOException.class);
      }
      connect(InetAddress.getLoopbackAddress(), server.port());
    }
  }

  private static void connect(InetAddress address, int port) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, port), 2_000);
    }
  }

  private static List<InetAddress> nonLoopbackAddresses() throws IOException {
    List<InetAddress> out = new ArrayList<>();
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (nic.isUp() && !nic.isLoopback()) {
        Collections.list(nic.getInetAddresses()).stream()
            .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
            .forEach(out::add);
      }
    }
    return out;
  }
}
