package dev.flywheel.embedded;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * Confluent's compatibility levels, decided with Avro's own {@link SchemaCompatibility}. BACKWARD
 * means a reader on the new schema reads data written with the old one; FORWARD the reverse; FULL
 * both. The transitive levels check every live version, the others only the latest.
 */
enum CompatibilityLevel {
  NONE(false, false, false),
  BACKWARD(true, false, false),
  BACKWARD_TRANSITIVE(true, false, true),
  FORWARD(false, true, false),
  FORWARD_TRANSITIVE(false, true, true),
  FULL(true, true, false),
  FULL_TRANSITIVE(true, true, true);

  static final CompatibilityLevel DEFAULT = BACKWARD;

  private final boolean backward;
  private final boolean forward;
  private final boolean transitive;

  CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
    this.backward = backward;
    this.forward = forward;
    this.transitive = transitive;
  }

  /** Parses a level case-insensitively, as Confluent does; empty for an unknown name. */
  static Optional<CompatibilityLevel> parse(String name) {
    if (name == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(valueOf(name.trim().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * Checks a candidate against the live versions of a subject, oldest first.
   *
   * @return one line per incompatibility; empty when the candidate may be registered
   */
  List<String> check(Schema candidate, List<Schema> liveVersionsOldestFirst) {
    if (this == NONE || liveVersionsOldestFirst.isEmpty()) {
      return List.of();
    }
    List<Schema> against =
        transitive
            ? liveVersionsOldestFirst
            : List.of(liveVersionsOldestFirst.get(liveVersionsOldestFirst.size() - 1));
    List<String> problems = new ArrayList<>();
    for (Schema existing : against) {
      if (backward) {
        describe(SchemaCompatibility.checkReaderWriterCompatibility(candidate, existing), problems);
      }
      if (forward) {
        describe(SchemaCompatibility.checkReaderWriterCompatibility(existing, candidate), problems);
      }
    }
    return problems;
  }

  private static void describe(SchemaPairCompatibility result, List<String> problems) {
    if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
      return;
    }
    for (Incompatibility incompatibility : result.getResult().getIncompatibilities()) {
      problems.add(
          "{errorType:'"
              + incompatibility.getType()
              + "', description:'"
              + incompatibility.getMessage()
              + "', location:'"
              + incompatibility.getLocation()
              + "'}");
    }
  }
}
