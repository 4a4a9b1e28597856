package dev.flywheel.ingest;

import dev.flywheel.common.error.ValidationError;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import java.util.List;
import java.util.Optional;

/**
 * Validates one item of a batch against its contract schema: a compiled {@link FlatObjectCheck}
 * accepts valid items cheaply, the general JSON-schema validator explains the invalid ones.
 */
final class ItemValidator {
  private final Validator full;
  private final Optional<FlatObjectCheck> fast;

  private ItemValidator(Validator full, Optional<FlatObjectCheck> fast) {
    this.full = full;
    this.fast = fast;
  }

  /** The validator of the schema at {@code pointer}, e.g. {@code #/components/schemas/X}. */
  static ItemValidator of(SchemaRepository repository, String pointer) {
    return new ItemValidator(
        repository.validator(pointer), FlatObjectCheck.compile(repository, pointer));
  }

  /** Whether the fast path could be compiled (tests check the contract keeps it possible). */
  boolean hasFastPath() {
    return fast.isPresent();
  }

  /** The problems of {@code item}, fields named under {@code prefix}; empty when it is valid. */
  List<ValidationError> problems(Object item, String prefix) {
    if (fast.isPresent() && fast.get().accepts(item)) {
      return List.of();
    }
    OutputUnit result = full.validate(item);
    return Boolean.TRUE.equals(result.getValid())
        ? List.of()
        : SchemaErrors.fieldErrors(result, prefix);
  }
}
