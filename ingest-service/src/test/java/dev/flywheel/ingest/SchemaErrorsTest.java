package dev.flywheel.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.common.error.ValidationError;
import io.vertx.json.schema.OutputUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchemaErrorsTest {
  @Test
  void shouldNameFieldsLikeJsonPaths() {
    assertThat(SchemaErrors.field("", "#")).isEqualTo("body");
    assertThat(SchemaErrors.field("", "#/kind")).isEqualTo("kind");
    assertThat(SchemaErrors.field("", "#/texts/2")).isEqualTo("texts[2]");
    assertThat(SchemaErrors.field("[3]", "#/kind")).isEqualTo("[3].kind");
  }

  @Test
  void shouldKeepTheSpecificErrorsOfTheBranchTheBodyWasAndNameMissingFields() {
    OutputUnit result = new OutputUnit(false);
    result.addError(unit("#/oneOf", "#", "Instance does not match exactly one subschema"));
    result.addError(unit("#/oneOf/0/$ref", "#", "A subschema had errors"));
    result.addError(
        unit(
            "#/oneOf/0/$ref/required",
            "#",
            "Instance does not have required property \"prediction_id\""));
    result.addError(
        unit("#/oneOf/0/$ref/properties", "#/kind", "Property \"kind\" does not match schema"));
    result.addError(
        unit(
            "#/oneOf/0/$ref/properties/kind/enum",
            "#/kind",
            "Instance does not match any of [a, b]"));
    result.addError(
        unit(
            "#/oneOf/0/$ref/additionalProperties",
            "#/kind",
            "Property \"kind\" does not match additional properties schema"));
    result.addError(
        unit("#/oneOf/1/$ref/type", "#", "Instance type object is invalid. Expected array"));

    List<ValidationError> errors = SchemaErrors.fieldErrors(result, "");

    assertThat(errors)
        .containsExactly(
            new ValidationError("prediction_id", "is required"),
            new ValidationError("kind", "Instance does not match any of [a, b]"));
  }

  @Test
  void shouldReportAnUnknownFieldAsUnknown() {
    OutputUnit result = new OutputUnit(false);
    result.addError(unit("#/additionalProperties", "#/app", "Property \"app\" does not match"));
    assertThat(SchemaErrors.fieldErrors(result, "[0]"))
        .containsExactly(new ValidationError("[0].app", "is not a known field"));
  }

  private static OutputUnit unit(String keyword, String instance, String error) {
    return new OutputUnit(instance, keyword, keyword, error, null);
  }
}
