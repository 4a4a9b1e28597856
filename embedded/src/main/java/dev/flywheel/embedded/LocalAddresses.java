package dev.flywheel.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * This machine's own addresses beyond loopback, for tests that prove a server bound to loopback
 * cannot be reached on them. Only addresses of this machine are ever connected to.
 */
public final class LocalAddresses {
  private LocalAddresses() {}

  /** The IPv4 addresses of this machine's interfaces that are up and not loopback. */
  public static List<InetAddress> nonLoopback() {
    List<InetAddress> out = new ArrayList<>();
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (nic.isUp() && !nic.isLoopback()) {
          Collections.list(nic.getInetAddresses()).stream()
              .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
              .forEach(out::add);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the network interfaces", e);
    }
    return out;
  }

  /** Whether a TCP connection to {@code address:port} is accepted within two seconds. */
  public static boolean accepts(InetAddress address, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, port), 2_000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
