package dev.flywheel.ingest;

/** Switches the gateway's micro-batching of single-text predictions, for the serving benchmark. */
public final class MicroBatching {
  private MicroBatching() {}

  /** On (the default) or off for every gateway in this JVM. */
  public static void set(boolean on) {
    PredictHandler.microBatching = on;
  }
}
