package dev.flywheel.common.management;

import java.util.Objects;

/** The outcome of one {@link HealthCheck}: up or down, and a short detail for operators. */
public record CheckResult(boolean up, String detail) {
  /** The detail is required (may be empty). */
  public CheckResult {
    Objects.requireNonNull(detail, "detail");
  }

  /** An up result. */
  public static CheckResult up(String detail) {
    return new CheckResult(true, detail);
  }

  /** A down result. */
  public static CheckResult down(String detail) {
    return new CheckResult(false, detail);
  }

  /** {@code "UP"} or {@code "DOWN"}, as the JSON body shows it. */
  public String status() {
    return up ? "UP" : "DOWN";
  }
}
