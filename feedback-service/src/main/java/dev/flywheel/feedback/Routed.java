package dev.flywheel.feedback;

/**
 * A processor's result: either a value that flows on, or a rejection bound for the dead letters.
 * The processor forwards each to one of its two children by name ({@link Outlets}), so that no
 * branch node stands between it and them.
 */
record Routed<T>(T value, Rejection rejection) {
  /** The names of a routing processor's two children. */
  record Outlets(String accepted, String rejected) {
    /**
     * The children of the processor named {@code name}: {@code name-values}, {@code
     * name-rejections}.
     */
    static Outlets of(String name) {
      return new Outlets(name + "-values", name + "-rejections");
    }

    /** The child that {@code routed} goes to. */
    String of(Routed<?> routed) {
      return routed.isRejected() ? rejected : accepted;
    }
  }

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
