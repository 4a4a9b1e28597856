package dev.flywheel.feedback;

/**
 * A processor's result: either a value that flows on, or a rejection bound for the dead letters.
 */
record Routed<T>(T value, Rejection rejection) {
  static <T> Routed<T> accepted(T value) {
    return new Routed<>(value, null);
  }

  static <T> Routed<T> rejected(Rejection rejection) {
    return new Routed<>(null, rejection);
  }

  boolean isRejected() {
    return rejection != null;
  }
}
