package dev.flywheel.schemas;

import java.util.List;

/**
 * What {@link TopicEnsurer#ensure} found: topics it created, topics that existed as declared, and
 * settings of existing topics that differ from the catalogue (reported, never altered).
 */
public record EnsureReport(
    List<String> created, List<String> alreadyOk, List<Mismatch> mismatches) {

  /** One setting of an existing topic that differs from its declaration. */
  public record Mismatch(String topic, String setting, String expected, String actual) {
    @Override
    public String toString() {
      return topic + ": " + setting + " is " + actual + ", the catalogue says " + expected;
    }
  }

  public EnsureReport {
    created = List.copyOf(created);
    alreadyOk = List.copyOf(alreadyOk);
    mismatches = List.copyOf(mismatches);
  }

  /** True when every topic exists as declared. */
  public boolean isClean() {
    return mismatches.isEmpty();
  }

  /**
   * How many partitions {@code topic} has: the catalogue's count, unless the topic existed with
   * another one.
   */
  public int partitionsOf(Topic<?, ?> topic) {
    return mismatchesOf(topic.name()).stream()
        .filter(m -> m.setting().equals("partitions"))
        .mapToInt(m -> Integer.parseInt(m.actual()))
        .findFirst()
        .orElse(topic.partitions());
  }

  /** The mismatches of one topic. */
  public List<Mismatch> mismatchesOf(String topic) {
    return mismatches.stream().filter(m -> m.topic().equals(topic)).toList();
  }
}
