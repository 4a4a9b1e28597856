package dev.flywheel.common.management;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The liveness and readiness checks of one process. Components register theirs while they are
 * assembled (or when they start); the management server evaluates them on each probe. Liveness
 * without checks is up (the process answers); readiness without checks is up as well, so a service
 * must register what it waits for.
 */
public final class HealthChecks {
  private final Map<String, HealthCheck> liveness = new ConcurrentSkipListMap<>();
  private final Map<String, HealthCheck> readiness = new ConcurrentSkipListMap<>();

  /** Adds (or replaces) a readiness check, e.g. {@code "kafka-streams"}. */
  public HealthChecks readiness(String name, HealthCheck check) {
    readiness.put(requireName(name), Objects.requireNonNull(check, "check"));
    return this;
  }

  /** Adds (or replaces) a liveness check: down means "restart me". */
  public HealthChecks liveness(String name, HealthCheck check) {
    liveness.put(requireName(name), Objects.requireNonNull(check, "check"));
    return this;
  }

  /** Removes a readiness check (a component that closed). */
  public void removeReadiness(String name) {
    readiness.remove(name);
  }

  Map<String, HealthCheck> liveness() {
    return new TreeMap<>(liveness);
  }

  Map<String, HealthCheck> readiness() {
    return new TreeMap<>(readiness);
  }

  private static String requireName(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a health check needs a name");
    }
    return name;
  }
}
