package dev.flywheel.slm;

/** A bundle that is refused; {@link #reason()} says whether it is truncated, altered, ... */
public final class BundleException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a bundle was refused. */
  public enum Reason {
    /** Shorter than written: the zip's end-of-directory record is missing. */
    TRUNCATED,
    /** Complete, but its sha256 differs from the expected one: altered or the wrong artifact. */
    CHECKSUM_MISMATCH,
    /** Not a Flywheel bundle: not a zip, or a required entry is missing. */
    NOT_A_BUNDLE,
    /** The manifest is not valid JSON or lacks required fields. */
    MALFORMED_MANIFEST,
    /** Vocabulary or parameters differ from what the manifest declares. */
    CONTENT_MISMATCH,
    /** Written by a newer format, or for an architecture/engine this library cannot run. */
    INCOMPATIBLE,
    /** The bundle could not be read or written. */
    IO
  }

  private final Reason reason;

  /** A refusal for a reason. */
  public BundleException(Reason reason, String message) {
    super(reason + ": " + message);
    this.reason = reason;
  }

  /** A refusal for a reason, with its cause. */
  public BundleException(Reason reason, String message, Throwable cause) {
    super(reason + ": " + message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
