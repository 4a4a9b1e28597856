package dev.flywheel.schemas;

import java.util.Locale;

/** A topic's {@code cleanup.policy}: keep a time-bounded log, or the latest record per key. */
public enum CleanupPolicy {
  DELETE,
  COMPACT;

  /** The value of the topic config {@code cleanup.policy}. */
  public String configValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
