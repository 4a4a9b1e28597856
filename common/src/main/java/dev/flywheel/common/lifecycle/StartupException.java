package dev.flywheel.common.lifecycle;

/** A component could not start; names the component and keeps the cause. */
public final class StartupException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String component;

  /** A start failure of {@code component}. */
  public StartupException(String component, Throwable cause) {
    super(component + ": " + Failures.oneLine(cause), cause);
    this.component = component;
  }

  /** The component that failed. */
  public String component() {
    return component;
  }
}
