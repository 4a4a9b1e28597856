package dev.flywheel.schemas;

import java.util.Objects;
import org.apache.avro.Schema;

/** One version of a subject in the schema registry: its global id, version number and schema. */
public record RegisteredSchema(String subject, int version, int id, Schema schema) {
  public RegisteredSchema {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(schema, "schema");
  }
}
