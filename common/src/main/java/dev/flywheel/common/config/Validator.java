package dev.flywheel.common.config;

import java.util.Optional;

/**
 * Checks one parsed configuration value. Returns a problem description (e.g. "must be between 1 and
 * 65535") or empty when the value is acceptable; never throws for a bad value, so that every
 * problem of a configuration can be reported at once.
 *
 * @param <T> the value type
 */
@FunctionalInterface
public interface Validator<T> {
  /** The problem with {@code value}, or empty when it is valid. */
  Optional<String> check(T value);
}
