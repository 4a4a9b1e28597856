package dev.flywheel.schemas;

import java.nio.ByteBuffer;

/**
 * The deterministic holdout split: an example belongs to the holdout when a hash of its id falls
 * below the share, so it stays out of training forever, on every worker, without coordination.
 */
public final class Holdout {
  private Holdout() {}

  /**
   * Whether {@code exampleId} is in a holdout of {@code share} (0..1): the first 8 bytes of
   * sha256(exampleId), read as an unsigned number divided by 2^64 (to double precision), are below
   * {@code share}.
   */
  public static boolean isHoldout(String exampleId, double share) {
    if (!(share >= 0.0 && share <= 1.0)) {
      throw new IllegalArgumentException("holdout share must be within [0, 1], not " + share);
    }
    return position(exampleId) < share;
  }

  /** Where {@code exampleId} falls in [0, 1): uniform over ids. */
  static double position(String exampleId) {
    long bits = ByteBuffer.wrap(ExampleIds.sha256(exampleId), 0, 8).getLong();
    // The top 53 bits of the unsigned number: exact in a double, so the result stays below 1.
    return (bits >>> 11) * 0x1p-53;
  }
}
