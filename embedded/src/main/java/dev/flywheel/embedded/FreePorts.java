package dev.flywheel.embedded;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Finds a free local port for servers that must know their port before they bind (a KRaft quorum
 * names its voters' ports in every member's configuration).
 *
 * <p>A port the kernel hands out for port 0 comes from its ephemeral range, the same range it takes
 * the local port of every outgoing connection from: between the pick and the server's bind, a
 * client connecting anywhere can be given that port, and the server then fails with "Address
 * already in use" (seen when a three-broker cluster started: one broker's connections to the others
 * took the next broker's controller port). So ports are picked at random below the ephemeral range,
 * where the kernel never puts a connection, and each only once per JVM. Where that range is unknown
 * (not Linux) the kernel's port-0 choice is used.
 */
public final class FreePorts {
  /** Below this are the well-known and commonly configured ports. */
  static final int LOWEST = 10_000;

  static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

  private static final int ATTEMPTS = 200;

  /** Read once: the kernel's range does not change under a running JVM in practice. */
  private static final Optional<Integer> EPHEMERAL_START = ephemeralStart(EPHEMERAL_RANGE);

  private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  /** A port on the loopback interface that was free a moment ago, never given before here. */
  public static int pick() {
    if (EPHEMERAL_START.isPresent() && EPHEMERAL_START.get() > LOWEST + ATTEMPTS) {
      for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        int port = ThreadLocalRandom.current().nextInt(LOWEST, EPHEMERAL_START.get());
        if (!GIVEN.contains(port) && bindable(port) && GIVEN.add(port)) {
          return port;
        }
      }
    }
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      int port = bind(0);
      if (GIVEN.add(port)) {
        return port;
      }
    }
    throw new IllegalStateException("Cannot find a free local port in " + ATTEMPTS + " attempts");
  }

  /**
   * The first port of the kernel's ephemeral range, read from a file holding "low high" ({@code
   * /proc/sys/net/ipv4/ip_local_port_range}); empty when the file is absent or unreadable.
   */
  static Optional<Integer> ephemeralStart(Path rangeFile) {
    // Not Files.readString: it trusts the size a file reports, and procfs files report 0 (it
    // returned "3" of "32768 60999").
    try (BufferedReader in = Files.newBufferedReader(rangeFile)) {
      String[] range = String.valueOf(in.readLine()).trim().split("\\s+");
      return Optional.of(Integer.parseInt(range[0]));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static boolean bindable(int port) {
    try {
      bind(port);
      return true;
    } catch (UncheckedIOException taken) {
      return false;
    }
  }

  private static int bind(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot bind a local port", e);
    }
  }
}
