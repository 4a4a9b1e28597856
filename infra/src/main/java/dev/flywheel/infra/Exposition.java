package dev.flywheel.infra;

import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the Prometheus text exposition a service's {@code /metrics} answers: the names of its
 * samples, which are what PromQL selects ({@code x_seconds_bucket}, {@code x_total}, not the family
 * names of the {@code # TYPE} lines).
 */
public final class Exposition {
  private Exposition() {}

  /** The sample names in {@code text} (Prometheus text format 0.0.4 or OpenMetrics). */
  public static Set<String> sampleNames(String text) {
    Set<String> names = new TreeSet<>();
    for (String line : text.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      names.add(name(trimmed));
    }
    return names;
  }

  private static String name(String sample) {
    if (sample.startsWith("{")) {
      // UTF-8 names are written inside the braces: {"my.metric",label="x"} 1
      int quote = sample.indexOf('"');
      int end = sample.indexOf('"', quote + 1);
      if (quote < 0 || end < 0) {
        throw new IllegalArgumentException("malformed sample line: " + sample);
      }
      return sample.substring(quote + 1, end);
    }
    int end = 0;
    while (end < sample.length() && sample.charAt(end) != '{' && sample.charAt(end) != ' ') {
      end++;
    }
    return sample.substring(0, end);
  }
}
