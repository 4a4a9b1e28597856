package dev.flywheel.ingest;

import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A reader's position in the releases topic: for each partition the next offset to deliver,
 * rendered as SSE event ids {@code 0-18} ({@code partition-offset} pairs joined by {@code .}).
 * Everything below a partition's offset has been delivered, nothing at or above it, so resuming
 * from it delivers every later release exactly once.
 */
final class Positions {
  private static final Pattern FORMAT =
      Pattern.compile("[0-9]{1,6}-[0-9]{1,19}(\\.[0-9]{1,6}-[0-9]{1,19})*");

  private final TreeMap<Integer, Long> next;

  private Positions(Map<Integer, Long> next) {
    this.next = new TreeMap<>(next);
  }

  static Positions of(Map<Integer, Long> next) {
    return new Positions(next);
  }

  /** Parses an event id; empty when it is not one. */
  static Optional<Positions> parse(String text) {
    if (text == null || !FORMAT.matcher(text.trim()).matches()) {
      return Optional.empty();
    }
    Map<Integer, Long> map = new TreeMap<>();
    try {
      for (String pair : text.trim().split("\\.")) {
        int dash = pair.indexOf('-');
        map.put(
            Integer.parseInt(pair.substring(0, dash)), Long.parseLong(pair.substring(dash + 1)));
      }
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    return Optional.of(new Positions(map));
  }

  /** Whether the release at this position is still to be delivered. */
  boolean pending(ReleaseEntry entry) {
    return entry.offset() >= next.getOrDefault(entry.partition(), 0L);
  }

  /** Marks a release as delivered (or deliberately skipped). */
  void advance(ReleaseEntry entry) {
    next.merge(entry.partition(), entry.offset() + 1, Math::max);
  }

  String render() {
    StringJoiner joiner = new StringJoiner(".");
    next.forEach((p, o) -> joiner.add(p + "-" + o));
    return joiner.toString();
  }

  @Override
  public String toString() {
    return render();
  }
}
