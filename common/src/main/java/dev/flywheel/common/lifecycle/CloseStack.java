package dev.flywheel.common.lifecycle;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resources in the order they were opened, closed last first: each one even when an earlier one
 * failed, the failures reported together. The one close stack of a service's parts ({@code
 * ServiceSkeleton}) and of components that open several clients themselves.
 */
public final class CloseStack implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CloseStack.class);

  private final String owner;
  private final Deque<Entry> stack = new ArrayDeque<>();

  /** An empty stack; {@code owner} names it in log lines and the failure. */
  public CloseStack(String owner) {
    this.owner = Objects.requireNonNull(owner, "owner");
  }

  /** Stacks {@code resource}, to be closed before everything stacked earlier. */
  public synchronized <T extends AutoCloseable> T push(String name, T resource) {
    stack.push(new Entry(Objects.requireNonNull(name, "name"), resource));
    return Objects.requireNonNull(resource, "resource");
  }

  /**
   * Closes everything stacked, last first; idempotent (the stack is empty afterwards).
   *
   * @throws IllegalStateException after every resource was tried, when one failed to close
   */
  @Override
  public synchronized void close() {
    IllegalStateException failure = null;
    while (!stack.isEmpty()) {
      Entry entry = stack.pop();
      try {
        entry.resource().close();
        LOG.debug("{}: closed {}", owner, entry.name());
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        LOG.warn("{}: closing {} failed: {}", owner, entry.name(), Failures.oneLine(e));
        if (failure == null) {
          failure = new IllegalStateException(owner + " did not close cleanly", e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private record Entry(String name, AutoCloseable resource) {}
}
