package dev.flywheel.common.management;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One named condition of liveness or readiness, e.g. "kafka-streams" is up when the application is
 * RUNNING. Called on a worker thread for every probe, with a timeout; a check that throws or times
 * out counts as down.
 */
@FunctionalInterface
public interface HealthCheck {
  /** The current result. */
  CheckResult check() throws Exception;

  /** A check that is up while {@code up} says so, with a fixed detail for each case. */
  static HealthCheck of(BooleanSupplier up, String upDetail, String downDetail) {
    return () -> up.getAsBoolean() ? CheckResult.up(upDetail) : CheckResult.down(downDetail);
  }

  /**
   * A check that is up when {@code state} yields {@code expected}; the detail is the state, e.g.
   * "RUNNING" or "REBALANCING".
   */
  static HealthCheck stateIs(Supplier<?> state, Object expected) {
    return () -> {
      Object current = state.get();
      String detail = String.valueOf(current);
      return expected.equals(current) ? CheckResult.up(detail) : CheckResult.down(detail);
    };
  }
}
