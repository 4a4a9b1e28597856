package dev.flywheel.trainer;

import dev.flywheel.events.FailureReason;

/**
 * Which failure reasons may go away on a retry. A bad spec, too little data, a missing label, a
 * diverging loss or an unchanged snapshot fail the same way every time (training is seeded), so
 * they are final at once; an out-of-memory condition (another job on the GPU) or an internal error
 * (artifact store, broker) may pass, so the request is retried and dead-lettered after the last
 * attempt.
 */
final class FailureKinds {
  private FailureKinds() {}

  static boolean isRetryable(FailureReason reason) {
    return reason == FailureReason.OUT_OF_MEMORY
        || reason == FailureReason.INTERNAL
        || reason == FailureReason.UNKNOWN;
  }
}
