package dev.flywheel.trainer;

import dev.flywheel.events.FailureReason;
import dev.flywheel.slm.TrainingException;
import java.util.Locale;

/**
 * Which failure reasons may go away on a retry. A bad spec, too little data, a missing label, a
 * diverging loss or an unchanged snapshot fail the same way every time (training is seeded), so
 * they are final at once; an out-of-memory condition (another job on the GPU) or an internal error
 * (artifact store, broker) may pass, so the request is retried and dead-lettered after the last
 * attempt.
 */
final class FailureKinds {
  private FailureKinds() {}

  /**
   * The reason a failed run is published with; not for {@code INTERRUPTED}, which cancels a run
   * rather than failing it.
   */
  static FailureReason reasonOf(TrainingException e) {
    return switch (e.reason()) {
      case NO_EXAMPLES -> FailureReason.TOO_FEW_EXAMPLES;
      case LABEL_WITHOUT_EXAMPLES -> FailureReason.MISSING_LABEL;
      case UNKNOWN_LABEL, INVALID_HYPERPARAMETERS -> FailureReason.INVALID_SPEC;
      case NON_FINITE_LOSS -> FailureReason.NAN_LOSS;
      default -> isOutOfMemory(e) ? FailureReason.OUT_OF_MEMORY : FailureReason.INTERNAL;
    };
  }

  static boolean isRetryable(FailureReason reason) {
    return reason == FailureReason.OUT_OF_MEMORY
        || reason == FailureReason.INTERNAL
        || reason == FailureReason.UNKNOWN;
  }

  /**
   * Whether {@code error} or one of its causes says the run ran out of memory. The JVM says so by
   * type ({@link OutOfMemoryError}); the PyTorch engine does not: a failed native allocation
   * reaches Java as DJL's {@code EngineException}, a type it uses for every engine error, with
   * PyTorch's own text ({@code "CUDA out of memory. Tried to allocate ..."} on a GPU, {@code
   * "DefaultCPUAllocator: can't allocate memory: ..."} on the CPU). So this is the trainer's one
   * match on message text, and {@code FailureKindsTest} shows which messages it accepts.
   */
  static boolean isOutOfMemory(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof OutOfMemoryError) {
        return true;
      }
      String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
      if (m.contains("out of memory") || m.contains("can't allocate memory")) {
        return true;
      }
    }
    return false;
  }
}
