package dev.flywheel.common.error;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;

/**
 * The one JSON error body every Flywheel HTTP endpoint answers with, as in the Strimzi Kafka
 * Bridge: {@code {"error_code": 404, "message": "...", "validation_errors": [{"field": "...",
 * "message": "..."}]}}. {@code error_code} is the HTTP status; {@code validation_errors} is always
 * present and empty unless the input had invalid fields.
 */
@JsonPropertyOrder({"error_code", "message", "validation_errors"})
public record ErrorResponse(
    @JsonProperty("error_code") int errorCode,
    @JsonProperty("message") String message,
    @JsonProperty("validation_errors") List<ValidationError> validationErrors) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Copies the list; a null list means none. */
  public ErrorResponse {
    Objects.requireNonNull(message, "message");
    validationErrors = validationErrors == null ? List.of() : List.copyOf(validationErrors);
  }

  /** An error without field problems. */
  public static ErrorResponse of(int errorCode, String message) {
    return new ErrorResponse(errorCode, message, List.of());
  }

  /** The JSON text. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render error response", e);
    }
  }

  /** The same body as a Vert.x {@link JsonObject}. */
  public JsonObject toJsonObject() {
    JsonArray errors = new JsonArray();
    validationErrors.forEach(
        e -> errors.add(new JsonObject().put("field", e.field()).put("message", e.message())));
    return new JsonObject()
        .put("error_code", errorCode)
        .put("message", message)
        .put("validation_errors", errors);
  }

  /** Parses a body produced by {@link #toJson()} (clients and tests use it). */
  public static ErrorResponse fromJson(String json) {
    try {
      return JSON.readValue(json, ErrorResponse.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not an error response: " + e.getOriginalMessage(), e);
    }
  }
}
