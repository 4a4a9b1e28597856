package dev.flywheel.platform.cluster;

import dev.flywheel.embedded.FreePorts;
import dev.flywheel.slm.data.WordNetTopics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long {@code flywheel up} takes to be up again after {@code kill -9}, against a first start
 * and a restart after SIGTERM, on the same data directory with {@code examples} uploaded first; and
 * what the restart after the crash spent on restoring state stores (from the services' restore log
 * lines).
 *
 * <pre>
 * RestartTime [examples=20000] [dir=target]
 * </pre>
 */
public final class RestartTime {
  private static final Pattern RESTORED =
      Pattern.compile("restored (\\S+) from \\S+: (\\d+) records in (\\d+) ms");
  private static final String UP = "Flywheel is up:";

  private RestartTime() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (String arg : args) {
      String[] pair = arg.split("=", 2);
      options.put(pair[0], pair.length > 1 ? pair[1] : "");
    }
    int examples = Integer.parseInt(options.getOrDefault("examples", "20000"));
    Path dir = Files.createTempDirectory(Path.of(options.getOrDefault("dir", "target")), "restart");
    int apiPort = FreePorts.pick();
    List<String> upArgs =
        List.of(
            "up",
            "--data-dir",
            dir.resolve("data").toString(),
            "--api-port",
            Integer.toString(apiPort),
            "--management-port",
            "0",
            "--kafka-port",
            "0",
            "--registry-port",
            "0");
    try (ChildJvm up =
        ChildJvm.start(
            "up",
            "dev.flywheel.platform.FlywheelCli",
            upArgs,
            "4g",
            Map.of(),
            dir.resolve("logs"))) {
      double first = awaitUp(up, 1);
      String adminKey = match(up, Pattern.compile("admin key +(\\S+)"));
      String appKey = match(up, Pattern.compile("app key +(\\S+)"));
      String api = "http://127.0.0.1:" + apiPort;
      FlywheelProcesses.call(
          api, adminKey, "PUT", "/v1/models/restart", FlywheelProcesses.topicsSpec(1));
      ExampleSender sender =
          new ExampleSender(
              List.of(api),
              appKey,
              "restart",
              ExampleSender.distinctTexts(WordNetTopics.load(WordNetTopics.Variant.TOPICS_8), 3),
              200,
              examples,
              0);
      sender.run();
      Thread.sleep(30_000); // let the feedback service turn them into examples and commit
      up.kill();
      int linesBefore = Files.readAllLines(up.log()).size();
      up.start();
      double crash = awaitUp(up, 2);
      Map<String, long[]> restored = restores(up, linesBefore);
      up.close();
      up.start();
      double graceful = awaitUp(up, 3);
      System.out.printf(
          Locale.ROOT,
          "%d examples acknowledged: first start %.1f s, after kill -9 %.1f s, after SIGTERM %.1f s%n",
          sender.acknowledgedCount(),
          first,
          crash,
          graceful);
      restored.forEach(
          (store, figures) ->
              System.out.printf(
                  Locale.ROOT,
                  "  after kill -9: %s restored %,d records in %.1f s (summed over partitions)%n",
                  store,
                  figures[0],
                  figures[1] / 1000.0));
      System.out.println("Logs: " + up.log().toAbsolutePath());
    }
  }

  /** Seconds from now until the log shows its {@code count}-th "Flywheel is up". */
  private static double awaitUp(ChildJvm up, int count) throws IOException, InterruptedException {
    long start = System.nanoTime();
    while (System.nanoTime() - start < Duration.ofMinutes(5).toNanos()) {
      if (!up.isAlive()) {
        throw new IllegalStateException("flywheel up exited:\n" + up.tail(40));
      }
      long ups = Files.readAllLines(up.log()).stream().filter(l -> l.contains(UP)).count();
      if (ups >= count) {
        return (System.nanoTime() - start) / 1e9;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("flywheel up was not up within 5 minutes:\n" + up.tail(40));
  }

  private static Map<String, long[]> restores(ChildJvm up, int fromLine) throws IOException {
    Map<String, long[]> byStore = new LinkedHashMap<>();
    List<String> lines = Files.readAllLines(up.log());
    for (String line : lines.subList(fromLine, lines.size())) {
      Matcher m = RESTORED.matcher(line);
      if (m.find()) {
        long[] figures = byStore.computeIfAbsent(m.group(1), k -> new long[2]);
        figures[0] += Long.parseLong(m.group(2));
        figures[1] += Long.parseLong(m.group(3));
      }
    }
    return byStore;
  }

  private static String match(ChildJvm up, Pattern pattern) throws IOException {
    for (String line : Files.readAllLines(up.log())) {
      Matcher m = pattern.matcher(line);
      if (m.find()) {
        return m.group(1);
      }
    }
    throw new IllegalStateException("No " + pattern + " in the log");
  }
}
