package dev.flywheel.ingest;

import dev.flywheel.common.error.ValidationError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.IndexedRecord;

/**
 * Renders Avro event records as the API's JSON (snake_case keys, enums in lower case, timestamps as
 * epoch milliseconds) and reads simple JSON values back into Avro fields, so the registry views and
 * the spec route follow the event contracts without a hand-written mapping per field.
 */
final class AvroJson {
  private AvroJson() {}

  /** A JSON value (JsonObject, JsonArray, String, Number, Boolean or null) for an Avro value. */
  static Object toJson(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof IndexedRecord record) {
      JsonObject json = new JsonObject();
      for (Schema.Field field : record.getSchema().getFields()) {
        json.put(snake(field.name()), toJson(record.get(field.pos())));
      }
      return json;
    }
    if (value instanceof Map<?, ?> map) {
      JsonObject json = new JsonObject();
      map.forEach((k, v) -> json.put(String.valueOf(k), toJson(v)));
      return json;
    }
    if (value instanceof Collection<?> list) {
      JsonArray json = new JsonArray();
      list.forEach(v -> json.add(toJson(v)));
      return json;
    }
    if (value instanceof Enum<?> || value instanceof GenericContainer) {
      return value.toString().toLowerCase(Locale.ROOT);
    }
    if (value instanceof Instant instant) {
      return instant.toEpochMilli();
    }
    if (value instanceof CharSequence text) {
      return text.toString();
    }
    if (value instanceof ByteBuffer) {
      return null;
    }
    return value;
  }

  static JsonObject record(IndexedRecord record) {
    return (JsonObject) toJson(record);
  }

  /**
   * Sets the fields of {@code record} named in {@code json} (snake_case) from JSON scalars; fields
   * not named keep their defaults. The contract has validated the types and ranges already; an
   * integer field is still read strictly (an integer literal that fits the Avro type, never a
   * fraction, never wrapped), so that no contract mistake can store a different number.
   *
   * @throws ApiException 400 naming {@code prefix.field} when a value does not fit its field
   */
  static void fill(IndexedRecord record, JsonObject json, String prefix) {
    for (Schema.Field field : record.getSchema().getFields()) {
      String key = snake(field.name());
      if (json.containsKey(key)) {
        record.put(field.pos(), scalar(field.schema(), json.getValue(key), prefix + "." + key));
      }
    }
  }

  /**
   * {@code value} as an int if it is an integer literal within int's range.
   *
   * @throws ApiException 400 naming {@code field} otherwise
   */
  static int strictInt(Object value, String field) {
    return (int) strictLong(value, field, Integer.MIN_VALUE, Integer.MAX_VALUE);
  }

  /**
   * {@code value} as a long if it is an integer literal from {@code min} to {@code max}.
   *
   * @throws ApiException 400 naming {@code field} otherwise
   */
  static long strictLong(Object value, String field, long min, long max) {
    if (!(value instanceof Integer || value instanceof Long)) {
      throw ApiException.badRequest(
          "the request does not match the API contract",
          List.of(
              new ValidationError(
                  field,
                  value instanceof Number
                      ? "must be an integer between " + min + " and " + max
                      : "must be an integer")));
    }
    long number = ((Number) value).longValue();
    if (number < min || number > max) {
      throw ApiException.badRequest(
          "the request does not match the API contract",
          List.of(new ValidationError(field, "must be between " + min + " and " + max)));
    }
    return number;
  }

  private static Object scalar(Schema schema, Object value, String field) {
    if (value == null) {
      return null;
    }
    Schema type = schema;
    if (schema.getType() == Schema.Type.UNION) {
      List<Schema> branches = schema.getTypes();
      type =
          branches.stream().filter(s -> s.getType() != Schema.Type.NULL).findFirst().orElseThrow();
    }
    Number number = value instanceof Number n ? n : null;
    return switch (type.getType()) {
      case INT -> strictInt(value, field);
      case LONG -> strictLong(value, field, Long.MIN_VALUE, Long.MAX_VALUE);
      case DOUBLE -> number.doubleValue();
      case FLOAT -> number.floatValue();
      case BOOLEAN -> (Boolean) value;
      case STRING -> String.valueOf(value);
      default -> throw new IllegalArgumentException("no JSON mapping for " + type);
    };
  }

  /** {@code holdoutShare} -> {@code holdout_share}. */
  static String snake(String camel) {
    StringBuilder out = new StringBuilder(camel.length() + 4);
    for (char c : camel.toCharArray()) {
      if (Character.isUpperCase(c)) {
        out.append('_').append(Character.toLowerCase(c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
