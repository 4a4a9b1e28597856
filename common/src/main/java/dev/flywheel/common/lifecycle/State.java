package dev.flywheel.common.lifecycle;

/** Where a service is in its life; the only moves are those {@link #canMoveTo(State)} allows. */
public enum State {
  NEW,
  STARTING,
  RUNNING,
  STOPPING,
  STOPPED,
  FAILED;

  /** Whether a service in this state may move to {@code next}. */
  public boolean canMoveTo(State next) {
    return switch (this) {
      case NEW -> next == STARTING || next == STOPPED;
      case STARTING -> next == RUNNING || next == STOPPING || next == FAILED;
      case RUNNING -> next == STOPPING || next == FAILED;
      case STOPPING -> next == STOPPED || next == FAILED;
      case STOPPED, FAILED -> false;
    };
  }

  /** Whether no further move is possible. */
  public boolean isTerminal() {
    return this == STOPPED || this == FAILED;
  }
}
