package dev.flywheel.common.snapshot;

/**
 * A recorded snapshot can no longer be replayed exactly because records of its offset ranges have
 * been deleted from the topic.
 */
public final class SnapshotUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** With a message that names the partition and the offsets. */
  public SnapshotUnavailableException(String message) {
    super(message);
  }
}
