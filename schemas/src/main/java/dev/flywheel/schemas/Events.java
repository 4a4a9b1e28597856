package dev.flywheel.schemas;

import dev.flywheel.events.ModelRef;

/** Small conventions about events that every service renders the same way. */
public final class Events {
  private Events() {}

  /** A version as people see it: {@code 3} → {@code "v3"}. */
  public static String renderVersion(int version) {
    if (version < 1) {
      throw new IllegalArgumentException("versions start at 1, not " + version);
    }
    return "v" + version;
  }

  /**
   * The version number of {@code "v3"} (or {@code "V3"}, or plain {@code "3"}).
   *
   * @throws IllegalArgumentException when {@code text} is not a version
   */
  public static int parseVersion(String text) {
    String digits = text.trim();
    if (digits.startsWith("v") || digits.startsWith("V")) {
      digits = digits.substring(1);
    }
    if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("not a model version: '" + text + "'");
    }
    int version;
    try {
      version = Integer.parseInt(digits);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a model version: '" + text + "'", e);
    }
    if (version < 1) {
      throw new IllegalArgumentException("versions start at 1: '" + text + "'");
    }
    return version;
  }

  /** {@code model} at {@code version}. */
  public static ModelRef ref(String model, int version) {
    return ModelRef.newBuilder().setModel(model).setVersion(version).build();
  }

  /** {@code "sentiment:v3"}. */
  public static String render(ModelRef ref) {
    return ref.getModel() + ":" + renderVersion(ref.getVersion());
  }

  /** The key of the quality topic: {@code "<model>:v<version>"}, e.g. {@code "sentiment:v3"}. */
  public static String qualityKey(ModelRef ref) {
    return render(ref);
  }

  /** The key of the quality topic for {@code model} at {@code version}. */
  public static String qualityKey(String model, int version) {
    return model + ":" + renderVersion(version);
  }

  /** The inverse of {@link #render}: {@code "sentiment:v3"} → (sentiment, 3). */
  public static ModelRef parseRef(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("not a model:version reference: '" + text + "'");
    }
    return ref(text.substring(0, colon), parseVersion(text.substring(colon + 1)));
  }
}
