package dev.flywheel.slm;

import java.util.List;

/** Hyperparameters that cannot be used; {@link #problems()} lists every problem found. */
public final class InvalidHyperparametersException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final List<String> problems;

  /** One problem per entry, {@code key: reason}. */
  public InvalidHyperparametersException(List<String> problems) {
    super("invalid hyperparameters: " + String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  /** One line per problem, {@code key: reason}. */
  public List<String> problems() {
    return problems;
  }
}
