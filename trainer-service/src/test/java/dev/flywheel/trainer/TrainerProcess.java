package dev.flywheel.trainer;

import dev.flywheel.slm.EngineLock;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A trainer service in its own JVM, started through {@link TrainerService#main} as a deployment
 * would. Two trainings cannot run at once in one JVM (see {@link EngineLock}), so tests of parallel
 * training put the second worker here.
 */
final class TrainerProcess implements AutoCloseable {
  private final Process process;
  final Path log;

  private TrainerProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static TrainerProcess start(Map<String, String> env, Path log) throws IOException {
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx768m");
    command.add("-Dai.djl.offline=true");
    command.add("-Dai.djl.pytorch.num_threads=1");
    command.add("-Dai.djl.pytorch.num_interop_threads=1");
    command.add("-cp");
    command.add(classpath);
    command.add(TrainerService.class.getName());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.redirectOutput(log.toFile());
    builder.environment().putAll(env);
    builder.environment().put("DJL_OFFLINE", "true");
    builder.environment().put("FLYWHEEL_TRAINER_MANAGEMENT_PORT", "0");
    return new TrainerProcess(builder.start(), log);
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Asks the process to stop (SIGTERM: the service closes gracefully) and waits for it. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
