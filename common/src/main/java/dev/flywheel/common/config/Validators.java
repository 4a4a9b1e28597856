package dev.flywheel.common.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Common {@link Validator}s for configuration fields. */
public final class Validators {
  private Validators() {}

  /** A number in {@code [min, max]}. */
  public static <N extends Number & Comparable<N>> Validator<N> between(N min, N max) {
    return value ->
        value.compareTo(min) < 0 || value.compareTo(max) > 0
            ? Optional.of("must be between " + min + " and " + max + ", was " + value)
            : Optional.empty();
  }

  /** A number at least {@code min}. */
  public static <N extends Number & Comparable<N>> Validator<N> atLeast(N min) {
    return value ->
        value.compareTo(min) < 0
            ? Optional.of("must be at least " + min + ", was " + value)
            : Optional.empty();
  }

  /** A TCP port; 0 means "any free port". */
  public static Validator<Integer> port() {
    return between(0, 65535);
  }

  /** A strictly positive duration. */
  public static Validator<Duration> positive() {
    return value ->
        value.isNegative() || value.isZero()
            ? Optional.of("must be positive, was " + value)
            : Optional.empty();
  }

  /** A string that is not blank. */
  public static Validator<String> notBlank() {
    return value -> value.isBlank() ? Optional.of("must not be blank") : Optional.empty();
  }

  /** A string from a fixed set (case-sensitive). */
  public static Validator<String> oneOf(String... allowed) {
    Set<String> set = new TreeSet<>(Arrays.asList(allowed));
    return value ->
        set.contains(value)
            ? Optional.empty()
            : Optional.of("must be one of " + set + ", was '" + value + "'");
  }

  /** A string matching a regular expression completely. */
  public static Validator<String> matches(String regex) {
    Pattern pattern = Pattern.compile(regex);
    return value ->
        pattern.matcher(value).matches()
            ? Optional.empty()
            : Optional.of("must match " + regex + ", was '" + value + "'");
  }

  /** A list (or any collection) with at least one element. */
  public static <C extends Collection<?>> Validator<C> notEmpty() {
    return value -> value.isEmpty() ? Optional.of("must not be empty") : Optional.empty();
  }

  /** A list whose every element passes {@code element}. */
  public static Validator<List<String>> each(Validator<String> element) {
    return value -> {
      for (String item : value) {
        Optional<String> problem = element.check(item);
        if (problem.isPresent()) {
          return Optional.of("element '" + item + "' " + problem.get());
        }
      }
      return Optional.empty();
    };
  }
}
