package dev.flywheel.slm;

/**
 * Whether a run started from its parent model's parameters, and why (or why not).
 *
 * @param used true when the parent's vocabulary and parameters were the starting point
 * @param reason a human-readable explanation, e.g. {@code "labels differ"}
 */
public record WarmStart(boolean used, String reason) {
  /** A run that started from scratch, and why. */
  public static WarmStart notUsed(String reason) {
    return new WarmStart(false, reason);
  }
}
