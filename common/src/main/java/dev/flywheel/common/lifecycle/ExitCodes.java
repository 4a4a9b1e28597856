package dev.flywheel.common.lifecycle;

/**
 * Process exit codes of a Flywheel service, so scripts and orchestrators can tell outcomes apart.
 */
public final class ExitCodes {
  /** Stopped on request, everything closed cleanly. */
  public static final int OK = 0;

  /** A component failed to start; nothing was left running. */
  public static final int START_FAILED = 1;

  /** A component failed while running (a fatal error); the others were closed. */
  public static final int RUNTIME_FAILURE = 2;

  /** Stopped on request, but a component did not close cleanly or in time. */
  public static final int CLOSE_FAILED = 3;

  /** The configuration is invalid (sysexits {@code EX_CONFIG}). */
  public static final int CONFIG_INVALID = 78;

  private ExitCodes() {}
}
