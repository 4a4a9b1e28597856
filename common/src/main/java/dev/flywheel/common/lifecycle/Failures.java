package dev.flywheel.common.lifecycle;

/** Renders an exception chain as one readable line (no stack trace, no line breaks). */
final class Failures {
  private Failures() {}

  static String oneLine(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text = describe(error);
    if (root != error) {
      text += " (caused by " + describe(root) + ")";
    }
    return text.replaceAll("\\s*[\\r\\n]+\\s*", "; ");
  }

  private static String describe(Throwable error) {
    String message = error.getMessage();
    String type = error.getClass().getSimpleName();
    return message == null || message.isBlank() ? type : type + ": " + message;
  }
}
