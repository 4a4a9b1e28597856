package dev.flywheel.slm.store;

/** An artifact store operation that failed: I/O, an unknown URI, or a version conflict. */
public final class ArtifactStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ArtifactStoreException(String message) {
    super(message);
  }

  public ArtifactStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
