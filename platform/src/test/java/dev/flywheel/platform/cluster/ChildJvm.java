package dev.flywheel.platform.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A process of the local cluster: a JVM started from this JVM's own class path, with its output
 * appended to a log file. It can be killed ({@code SIGKILL}), paused ({@code SIGSTOP}), resumed and
 * started again with the same command. {@link #close()} always stops it by its own pid.
 */
public final class ChildJvm implements AutoCloseable {
  private static final long STOP_GRACE_SECONDS = 30;

  /** Every child still running when this JVM exits (even on Ctrl-C) is killed by its pid. */
  private static final Set<ChildJvm> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () ->
                    LIVE.forEach(
                        child -> {
                          Process running = child.process;
                          if (running != null) {
                            running.destroyForcibly();
                          }
                        }),
                "kill-child-jvms"));
  }

  private final String name;
  private final List<String> command;
  private final Map<String, String> env;
  private final Path log;
  private volatile Process process;

  private ChildJvm(String name, List<String> command, Map<String, String> env, Path log) {
    this.name = name;
    this.command = List.copyOf(command);
    this.env = Map.copyOf(env);
    this.log = log;
  }

  /**
   * Starts {@code mainClass} with {@code args} in a new JVM.
   *
   * @param heap the maximum heap, e.g. {@code "512m"}
   */
  public static ChildJvm start(
      String name,
      String mainClass,
      List<String> args,
      String heap,
      Map<String, String> env,
      Path logDir)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + heap);
    command.add("-XX:+UseSerialGC");
    command.add("-Dai.djl.offline=true");
    command.add("-Dai.djl.pytorch.num_threads=1");
    command.add("-Dai.djl.pytorch.num_interop_threads=1");
    command.add("-cp");
    command.add(classPath());
    command.add(mainClass);
    command.addAll(args);
    Files.createDirectories(logDir);
    ChildJvm jvm = new ChildJvm(name, command, env, logDir.resolve(name + ".log"));
    jvm.start();
    return jvm;
  }

  private static String classPath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }

  /** Starts the process (again, after a kill), appending to the same log. */
  public synchronized void start() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is already running");
    }
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(env);
    builder.environment().put("DJL_OFFLINE", "true");
    process = builder.start();
    LIVE.add(this);
  }

  public String name() {
    return name;
  }

  public Path log() {
    return log;
  }

  public synchronized long pid() {
    return process.pid();
  }

  public synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** {@code kill -9}: no shutdown hook runs, nothing is flushed. Waits until it is gone. */
  public synchronized void kill() throws InterruptedException {
    if (process != null && process.isAlive()) {
      // A paused process must not stay paused behind the kill.
      process.destroyForcibly();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL");
      }
    }
  }

  /** {@code SIGSTOP}: the process freezes as in a long garbage-collection pause. */
  public void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** {@code SIGCONT} after {@link #pause()}. */
  public void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String signal) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + signal + " " + pid() + " failed");
    }
  }

  /** The last lines of the log, for a failure message. */
  public String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** {@code SIGTERM} (a graceful stop), then {@code SIGKILL} if it has not exited in time. */
  @Override
  public synchronized void close() throws InterruptedException {
    if (process == null || !process.isAlive()) {
      return;
    }
    try {
      resume();
    } catch (IOException e) {
      // Not paused, or already gone: the stop below handles both.
    }
    process.destroy();
    if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
      kill();
    }
  }

  @Override
  public String toString() {
    return name + (process == null ? "" : " (pid " + process.pid() + ")");
  }
}
