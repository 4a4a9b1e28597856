package dev.flywheel.common.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.flywheel.common.config.ConfigSpec;
import dev.flywheel.common.config.Field;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class ServiceRunnerTest {
  private final List<String> journal = new CopyOnWriteArrayList<>();
  private final AtomicInteger exitCode = new AtomicInteger(-1);
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

  private ServiceRunner.Builder runner(Service... components) {
    return ServiceRunner.builder("demo")
        .addAll(List.of(components))
        .exit(exitCode::set)
        .errorOutput(new PrintStream(stderr, true, StandardCharsets.UTF_8));
  }

  private String stderrText() {
    return stderr.toString(StandardCharsets.UTF_8);
  }

  @Test
  void shouldStartInOrderAndCloseInReverseOrder() throws Exception {
    ServiceRunner runner =
        runner(new RecordingService("a", journal), new RecordingService("b", journal)).build();

    runner.start();
    assertThat(runner.state()).isEqualTo(State.RUNNING);
    runner.close();

    assertThat(journal).containsExactly("start a", "start b", "close b", "close a");
    assertThat(runner.state()).isEqualTo(State.STOPPED);
  }

  @Test
  void shouldExitWithOneClearLineAndCloseWhatStartedWhenAStartFails() {
    ServiceRunner runner =
        runner(
                new RecordingService("a", journal),
                new RecordingService("kafka-producer", journal)
                    .failingStart(
                        new IllegalStateException(
                            "producer not ready",
                            new TimeoutException("Topic flywheel-feedback not present"))),
                new RecordingService("c", journal))
            .build();

    int code = runner.run();

    assertThat(code).isEqualTo(ExitCodes.START_FAILED);
    assertThat(exitCode).hasValue(ExitCodes.START_FAILED);
    assertThat(journal)
        .containsExactly("start a", "start kafka-producer", "close kafka-producer", "close a");
    assertThat(stderrText().lines().toList())
        .containsExactly(
            "demo failed to start: kafka-producer: IllegalStateException: producer not ready"
                + " (caused by TimeoutException: Topic flywheel-feedback not present)");
    assertThat(runner.state()).isEqualTo(State.FAILED);
  }

  @Test
  void shouldRunUntilStoppedThenCloseAndExitZero() throws Exception {
    ServiceRunner runner = runner(new RecordingService("a", journal)).build();
    CompletableFuture<Integer> run = CompletableFuture.supplyAsync(runner::run);

    await().atMost(Duration.ofSeconds(5)).until(() -> runner.state() == State.RUNNING);
    runner.stop();

    assertThat(run.get(5, TimeUnit.SECONDS)).isEqualTo(ExitCodes.OK);
    assertThat(exitCode).hasValue(ExitCodes.OK);
    assertThat(journal).containsExactly("start a", "close a");
  }

  @Test
  void shouldExitWithRuntimeFailureWhenAComponentReportsAFatalError() throws Exception {
    ServiceRunner runner =
        runner(new RecordingService("a", journal), new RecordingService("b", journal)).build();
    CompletableFuture<Integer> run = CompletableFuture.supplyAsync(runner::run);
    await().atMost(Duration.ofSeconds(5)).until(() -> runner.state() == State.RUNNING);

    runner.fail(new IllegalStateException("stream thread died"));

    assertThat(run.get(5, TimeUnit.SECONDS)).isEqualTo(ExitCodes.RUNTIME_FAILURE);
    assertThat(journal).containsExactly("start a", "start b", "close b", "close a");
    assertThat(runner.state()).isEqualTo(State.FAILED);
  }

  @Test
  void shouldMoveOnWhenACloseHangsAndReportItInTheExitCode() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    ServiceRunner runner =
        runner(
                new RecordingService("a", journal),
                new RecordingService("stuck", journal).hangingClose(never))
            .closeTimeout(Duration.ofMillis(200))
            .build();
    CompletableFuture<Integer> run = CompletableFuture.supplyAsync(runner::run);
    await().atMost(Duration.ofSeconds(5)).until(() -> runner.state() == State.RUNNING);

    runner.stop();

    assertThat(run.get(5, TimeUnit.SECONDS)).isEqualTo(ExitCodes.CLOSE_FAILED);
    assertThat(journal).containsExactly("start a", "start stuck", "close stuck", "close a");
  }

  @Test
  void shouldKeepClosingTheRestWhenOneCloseThrows() throws Exception {
    ServiceRunner runner =
        runner(
                new RecordingService("a", journal),
                new RecordingService("b", journal).failingClose(new IllegalStateException("boom")))
            .build();
    runner.start();

    runner.close();

    assertThat(journal).containsExactly("start a", "start b", "close b", "close a");
    assertThat(runner.exitCode()).isEqualTo(ExitCodes.CLOSE_FAILED);
  }

  @Test
  void shouldBuildAServiceFromTwoActionsThatClosesOnce() throws Exception {
    Service service =
        Service.of(
            "adapter", () -> journal.add("start adapter"), () -> journal.add("close adapter"));
    ServiceRunner runner = runner(service).build();

    runner.start();
    runner.close();
    service.close();

    assertThat(service.name()).isEqualTo("adapter");
    assertThat(journal).containsExactly("start adapter", "close adapter");
  }

  @Test
  void shouldCloseOnlyOnceWhenClosedConcurrently() throws Exception {
    ServiceRunner runner = runner(new RecordingService("a", journal)).build();
    runner.start();

    CompletableFuture<Void> first = CompletableFuture.runAsync(runner::close);
    CompletableFuture<Void> second = CompletableFuture.runAsync(runner::close);
    CompletableFuture.allOf(first, second).get(5, TimeUnit.SECONDS);

    assertThat(journal).containsExactly("start a", "close a");
  }

  @Test
  void shouldTreatAnInterruptAsAStopAndKeepTheFlag() throws Exception {
    ServiceRunner runner = runner(new RecordingService("a", journal)).build();
    CompletableFuture<Boolean> interruptedAfterRun = new CompletableFuture<>();
    Thread main =
        new Thread(
            () -> {
              runner.run();
              interruptedAfterRun.complete(Thread.currentThread().isInterrupted());
            });
    main.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> runner.state() == State.RUNNING);

    main.interrupt();

    assertThat(interruptedAfterRun.get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(journal).containsExactly("start a", "close a");
    assertThat(exitCode).hasValue(ExitCodes.OK);
  }

  @Test
  void shouldStopThroughItsNamedShutdownHook() throws Exception {
    ServiceRunner runner = runner(new RecordingService("a", journal)).build();
    CompletableFuture<Integer> run = CompletableFuture.supplyAsync(runner::run);
    await().atMost(Duration.ofSeconds(5)).until(() -> runner.state() == State.RUNNING);
    Thread hook = runner.shutdownHook();

    // Runs the hook's body the way the JVM would on SIGTERM, without shutting the test JVM down.
    // Once the hook ran, the JVM is exiting, so run() must not call the exit function itself.
    hook.run();

    assertThat(hook.getName()).isEqualTo("demo-shutdown-hook");
    assertThat(run.get(5, TimeUnit.SECONDS)).isEqualTo(ExitCodes.OK);
    assertThat(journal).containsExactly("start a", "close a");
    assertThat(exitCode).hasValue(-1);
    assertThat(runner.awaitClosed(Duration.ofSeconds(1))).isTrue();
    Runtime.getRuntime().removeShutdownHook(hook);
  }

  @Test
  void shouldListEveryConfigProblemAndExitWithConfigInvalid() {
    ConfigSpec spec =
        ConfigSpec.builder()
            .define(Field.ofInt("demo.port"))
            .define(Field.ofString("demo.name"))
            .build();

    int code =
        ServiceRunner.launch(
            "demo",
            () -> {
              spec.parse(Map.of("FLYWHEEL_DEMO_PORT", "x"), Map.of());
              return List.of();
            },
            exitCode::set,
            new PrintStream(stderr, true, StandardCharsets.UTF_8));

    assertThat(code).isEqualTo(ExitCodes.CONFIG_INVALID);
    assertThat(exitCode).hasValue(ExitCodes.CONFIG_INVALID);
    assertThat(stderrText())
        .startsWith("demo: invalid configuration (2 problems)")
        .contains("demo.port", "demo.name");
  }
}
