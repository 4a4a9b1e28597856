package dev.flywheel.schemas;

/** Confluent's TopicNameStrategy: a topic's values live under {@code <topic>-value}. */
public final class Subjects {
  private Subjects() {}

  /** {@code <topic>-key} or {@code <topic>-value}. */
  public static String of(String topic, boolean isKey) {
    return topic + (isKey ? "-key" : "-value");
  }

  public static String value(String topic) {
    return of(topic, false);
  }

  public static String key(String topic) {
    return of(topic, true);
  }
}
