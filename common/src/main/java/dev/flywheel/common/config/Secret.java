package dev.flywheel.common.config;

import java.util.Objects;

/**
 * A secret configuration value (password, token, key). Its {@link #toString()} never shows the
 * value, so a secret that reaches a log line or an exception message stays hidden.
 */
public final class Secret {
  /** What every secret prints as. */
  public static final String MASK = "[hidden]";

  private final String value;

  private Secret(String value) {
    this.value = Objects.requireNonNull(value, "value");
  }

  /** Wraps a secret value. */
  public static Secret of(String value) {
    return new Secret(value);
  }

  /** The real value; hand it only to the code that authenticates with it. */
  public String reveal() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret other && value.equals(other.value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return MASK;
  }
}
