package dev.flywheel.common.config;

/**
 * The kinds of Kafka client whose raw settings pass through configuration. Settings under {@code
 * kafka.} apply to all of them; settings under {@code kafka.producer.} (etc.) to one kind only and
 * win over the shared ones.
 */
public enum ClientType {
  PRODUCER("kafka.producer."),
  CONSUMER("kafka.consumer."),
  STREAMS("kafka.streams."),
  ADMIN("kafka.admin.");

  /** Prefix of settings that apply to every client. */
  public static final String ALL_PREFIX = "kafka.";

  private final String prefix;

  ClientType(String prefix) {
    this.prefix = prefix;
  }

  /** The key prefix of this kind's own settings, e.g. {@code kafka.producer.}. */
  public String prefix() {
    return prefix;
  }

  static boolean isScoped(String key) {
    for (ClientType type : values()) {
      if (key.startsWith(type.prefix)) {
        return true;
      }
    }
    return false;
  }
}
