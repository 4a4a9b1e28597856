package dev.flywheel.ingest;

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
   * not named keep their defaults. The contract has validated the types already.
   */
  static void fill(IndexedRecord record, JsonObject json) {
    for (Schema.Field field : record.getSchema().getFields()) {
      String key = snake(field.name());
      if (json.containsKey(key)) {
        record.put(field.pos(), scalar(field.schema(), json.getValue(key)));
      }
    }
  }

  private static Object scalar(Schema schema, Object value) {
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
      case INT -> number.intValue();
      case LONG -> number.longValue();
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
