package dev.flywheel.common.config;

import java.util.List;

/**
 * Thrown when a configuration cannot be used; lists every problem found, not only the first, so one
 * start-up attempt shows the operator everything to fix. Never contains secret values.
 */
public final class InvalidConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  /** An exception for the given problems (at least one). */
  public InvalidConfigException(List<String> problems) {
    super(format(problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("an invalid configuration has at least one problem");
    }
    this.problems = List.copyOf(problems);
  }

  /** Every problem, one sentence each, in key order. */
  public List<String> problems() {
    return problems;
  }

  private static String format(List<String> problems) {
    StringBuilder text =
        new StringBuilder("invalid configuration (")
            .append(problems.size())
            .append(problems.size() == 1 ? " problem)" : " problems)");
    for (String problem : problems) {
      text.append("\n  - ").append(problem);
    }
    return text.toString();
  }
}
