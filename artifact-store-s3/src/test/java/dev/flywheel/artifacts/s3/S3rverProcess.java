package dev.flywheel.artifacts.s3;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real S3-compatible server for the integration tests: s3rver (npm, pinned in package.json and
 * installed by {@code npm ci} in the build's pre-integration-test phase), run by Node on a free
 * loopback port over a temporary directory. It knows one account (access key {@code S3RVER}) and
 * refuses other access keys; it does not recompute Signature V4 signatures. Shared with other
 * modules' tests through this module's test jar (the cluster test keeps its artifacts here).
 */
public final class S3rverProcess implements AutoCloseable {
  /** s3rver's built-in account. */
  public static final String ACCESS_KEY = "S3RVER";

  /** The secret key of s3rver's built-in account. */
  public static final String SECRET_KEY = "S3RVER";

  private static final Pattern LISTENING = Pattern.compile("S3rver listening on [^:\\s]+:(\\d+)");

  private final Process process;
  private final URI endpoint;
  private final Thread shutdownHook;

  private S3rverProcess(Process process, URI endpoint, Thread shutdownHook) {
    this.process = process;
    this.endpoint = endpoint;
    this.shutdownHook = shutdownHook;
  }

  /**
   * Starts s3rver over {@code workDir}, with {@code buckets} created, and waits (at most 60 s)
   * until it listens.
   */
  public static S3rverProcess start(Path dir, String... buckets) throws IOException {
    // Absolute: Node reads a relative --require path as a module name.
    Path workDir = dir.toAbsolutePath();
    Path script = home().resolve("bin").resolve("s3rver.js");
    if (!Files.isRegularFile(script)) {
      throw new IllegalStateException(
          script
              + " is missing: run `npm ci` in artifact-store-s3/ (the Maven build does it before"
              + " the integration tests; Node.js 18+ and npm must be on the PATH)");
    }
    Path data = Files.createDirectories(workDir.resolve("s3rver-data"));
    Path log = workDir.resolve("s3rver.log");
    // Node exits when its stdin (a pipe from this JVM) closes, so even a JVM killed with SIGKILL
    // leaves no server behind on a CI machine.
    Path exitWithParent =
        Files.writeString(
            workDir.resolve("exit-with-parent.js"),
            "process.stdin.on('end', () => process.exit(0)); process.stdin.resume();\n",
            StandardCharsets.UTF_8);
    List<String> command =
        new ArrayList<>(
            List.of(
                System.getProperty("flywheel.node", "node"),
                "--require",
                exitWithParent.toString(),
                script.toString(),
                "--directory",
                data.toString(),
                "--address",
                "127.0.0.1",
                "--port",
                "0",
                "--silent"));
    for (String bucket : buckets) {
      command.add("--configure-bucket");
      command.add(bucket);
    }
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    // If the JVM dies without running close(), the server must not outlive it.
    Thread hook = new Thread(process::destroyForcibly, "s3rver-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    AtomicReference<URI> endpoint = new AtomicReference<>();
    try {
      await("s3rver listening")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                Matcher m = LISTENING.matcher(Files.readString(log, StandardCharsets.UTF_8));
                if (m.find()) {
                  endpoint.set(URI.create("http://127.0.0.1:" + m.group(1)));
                  return true;
                }
                if (!process.isAlive()) {
                  throw new IllegalStateException(
                      "s3rver exited with "
                          + process.exitValue()
                          + ": "
                          + Files.readString(log, StandardCharsets.UTF_8));
                }
                return false;
              });
    } catch (RuntimeException e) {
      process.destroyForcibly();
      Runtime.getRuntime().removeShutdownHook(hook);
      throw e;
    }
    return new S3rverProcess(process, endpoint.get(), hook);
  }

  /** The server's {@code http://127.0.0.1:<port>} endpoint. */
  public URI endpoint() {
    return endpoint;
  }

  /** Stops the server: SIGTERM, then SIGKILL after 10 s. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    }
  }

  private static Path home() {
    String home = System.getProperty("flywheel.s3rver.home");
    return (home != null ? Path.of(home) : Path.of("node_modules", "s3rver")).toAbsolutePath();
  }
}
