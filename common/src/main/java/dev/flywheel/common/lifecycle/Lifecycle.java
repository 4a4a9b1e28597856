package dev.flywheel.common.lifecycle;

import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state of one service, changed only by compare-and-set along the moves {@link State} allows,
 * so that two threads (a shutdown hook and a failing worker, say) cannot both win. Every transition
 * is logged at INFO.
 */
public final class Lifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(Lifecycle.class);

  private final String name;
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);

  /** A lifecycle in state {@link State#NEW} for the named service. */
  public Lifecycle(String name) {
    this.name = name;
  }

  /** The current state. */
  public State state() {
    return state.get();
  }

  /**
   * Moves from {@code expected} to {@code next} if the state is still {@code expected}.
   *
   * @return whether this call made the move
   * @throws IllegalArgumentException when {@code expected -> next} is never a legal move
   */
  public boolean compareAndSet(State expected, State next) {
    if (!expected.canMoveTo(next)) {
      throw new IllegalArgumentException("illegal transition " + expected + " -> " + next);
    }
    boolean moved = state.compareAndSet(expected, next);
    if (moved) {
      LOG.info("{}: {} -> {}", name, expected, next);
    }
    return moved;
  }

  /**
   * Moves from {@code expected} to {@code next}.
   *
   * @throws IllegalStateException when the state is not {@code expected}
   */
  public void transition(State expected, State next) {
    if (!compareAndSet(expected, next)) {
      throw new IllegalStateException(
          name
              + ": cannot move to "
              + next
              + " from "
              + state.get()
              + " (expected "
              + expected
              + ")");
    }
  }

  /**
   * Moves to {@link State#FAILED} from any non-terminal state.
   *
   * @return whether this call made the move
   */
  public boolean fail() {
    while (true) {
      State current = state.get();
      if (current.isTerminal() || current == State.NEW) {
        return false;
      }
      if (compareAndSet(current, State.FAILED)) {
        return true;
      }
    }
  }

  @Override
  public String toString() {
    return name + "[" + state.get() + "]";
  }
}
