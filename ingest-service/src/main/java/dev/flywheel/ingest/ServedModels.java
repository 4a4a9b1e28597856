package dev.flywheel.ingest;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The version each model serves now; swapped atomically, read without locks. */
final class ServedModels implements AutoCloseable {
  private final Map<String, ServedModel> current = new ConcurrentHashMap<>();

  /**
   * The current version of {@code model} with a reference taken; the caller must {@link
   * ServedModel#release()} it. Empty when no version is loaded.
   */
  Optional<ServedModel> acquire(String model) {
    while (true) {
      ServedModel served = current.get(model);
      if (served == null) {
        return Optional.empty();
      }
      if (served.retain()) {
        return Optional.of(served);
      }
      if (current.get(model) == served) {
        // Drained while still in the table: the table is being closed.
        return Optional.empty();
      }
      // Retired between the read and the retain: the table already holds its successor.
    }
  }

  /** The version serving now, without a reference (for status and metrics). */
  Optional<ServedModel> peek(String model) {
    return Optional.ofNullable(current.get(model));
  }

  /** Makes {@code next} current and retires the previous version, which closes once drained. */
  void swap(ServedModel next) {
    ServedModel previous = current.put(next.model(), next);
    if (previous != null) {
      previous.release();
    }
  }

  @Override
  public void close() {
    for (String model : current.keySet()) {
      ServedModel served = current.remove(model);
      if (served != null) {
        served.release();
      }
    }
  }
}
