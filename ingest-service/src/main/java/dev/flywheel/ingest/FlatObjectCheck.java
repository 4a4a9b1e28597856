package dev.flywheel.ingest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.SchemaRepository;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A fast acceptance check compiled from a contract schema of the simplest kind — an object with
 * string properties ({@code enum}, {@code minLength}, {@code maxLength}), {@code required} and
 * {@code additionalProperties: false} — so that the items of a batch need the general JSON-schema
 * validator only when they are invalid (to name what is wrong). It is derived from the contract,
 * never written beside it, and {@link #compile} refuses any schema that uses another keyword, so it
 * can only say "valid" where the contract does.
 */
final class FlatObjectCheck {
  private static final Set<String> OBJECT_KEYWORDS =
      Set.of(
          "type",
          "properties",
          "required",
          "additionalProperties",
          "description",
          "__absolute_uri__",
          "__absolute_ref__");
  private static final Set<String> STRING_KEYWORDS =
      Set.of(
          "type",
          "enum",
          "minLength",
          "maxLength",
          "description",
          "$ref",
          "__absolute_uri__",
          "__absolute_ref__");

  private record StringRule(Set<String> allowed, int minLength, int maxLength) {
    boolean accepts(Object value) {
      if (!(value instanceof String text)) {
        return false;
      }
      if (allowed != null && !allowed.contains(text)) {
        return false;
      }
      // JSON-schema lengths count code points, not UTF-16 units.
      int length = text.codePointCount(0, text.length());
      return length >= minLength && length <= maxLength;
    }
  }

  private final Map<String, StringRule> properties;
  private final List<String> required;

  private FlatObjectCheck(Map<String, StringRule> properties, List<String> required) {
    this.properties = Map.copyOf(properties);
    this.required = List.copyOf(required);
  }

  /** The check for the schema at {@code pointer}; empty when it is not of the simple kind. */
  static Optional<FlatObjectCheck> compile(SchemaRepository repository, String pointer) {
    try {
      JsonSchema schema = repository.find(pointer);
      if (schema == null
          || !keywordsWithin(schema, OBJECT_KEYWORDS)
          || !"object".equals(schema.get("type"))
          || !Boolean.FALSE.equals(schema.get("additionalProperties"))) {
        return Optional.empty();
      }
      JsonObject declared = schema.get("properties", new JsonObject());
      Map<String, StringRule> rules = new HashMap<>();
      for (String name : declared.fieldNames()) {
        JsonObject property = declared.getJsonObject(name);
        StringRule rule = stringRule(repository, property);
        if (rule == null) {
          return Optional.empty();
        }
        rules.put(name, rule);
      }
      List<String> required = new ArrayList<>();
      JsonArray names = schema.get("required", new JsonArray());
      names.forEach(n -> required.add((String) n));
      return Optional.of(new FlatObjectCheck(rules, required));
    } catch (RuntimeException unexpectedShape) {
      return Optional.empty();
    }
  }

  private static StringRule stringRule(SchemaRepository repository, JsonObject property) {
    if (!property.fieldNames().stream().allMatch(STRING_KEYWORDS::contains)) {
      return null;
    }
    JsonObject effective = property;
    if (property.containsKey("$ref")) {
      if (property.fieldNames().stream()
          .anyMatch(k -> !k.equals("$ref") && !k.equals("description") && !k.startsWith("__"))) {
        return null;
      }
      JsonSchema target = repository.find(property.getString("$ref"));
      if (target == null
          || !keywordsWithin(target, STRING_KEYWORDS)
          || target.containsKey("$ref")) {
        return null;
      }
      effective = new JsonObject();
      for (String key : target.fieldNames()) {
        effective.put(key, (Object) target.get(key));
      }
    }
    if (!"string".equals(effective.getValue("type"))) {
      return null;
    }
    JsonArray values = effective.getJsonArray("enum");
    Set<String> allowed = null;
    if (values != null) {
      List<String> list = new ArrayList<>();
      for (Object v : values) {
        if (!(v instanceof String s)) {
          return null;
        }
        list.add(s);
      }
      allowed = Set.copyOf(list);
    }
    return new StringRule(
        allowed,
        effective.getInteger("minLength", 0),
        effective.getInteger("maxLength", Integer.MAX_VALUE));
  }

  private static final Set<String> ARRAY_KEYWORDS =
      Set.of(
          "type",
          "items",
          "minItems",
          "maxItems",
          "description",
          "__absolute_uri__",
          "__absolute_ref__");

  /**
   * A check of a whole request body whose schema is {@code oneOf: [{$ref: item}, {$ref: batch}]}
   * with {@code item} a flat object schema and {@code batch} an array of objects (each item is
   * checked on its own later); the branches have different JSON types, so exactly one applies.
   * Empty when the body schema is not of that shape.
   */
  static Optional<java.util.function.Predicate<Object>> compileItemOrBatch(
      SchemaRepository repository, JsonSchema body, String itemPointer) {
    try {
      if (!body.fieldNames().stream()
          .allMatch(k -> k.equals("oneOf") || k.equals("description") || k.startsWith("__"))) {
        return Optional.empty();
      }
      // The resolved contract hands out wrapped values; a plain copy reads like the document.
      JsonArray branches = plainArray(body.get("oneOf"));
      if (branches == null || branches.size() != 2) {
        return Optional.empty();
      }
      String first = pointer(branches.getJsonObject(0).getString("$ref"));
      String second = pointer(branches.getJsonObject(1).getString("$ref"));
      if (!itemPointer.equals(first) || second == null) {
        return Optional.empty();
      }
      Optional<FlatObjectCheck> item = compile(repository, first);
      JsonSchema batch = repository.find(second);
      if (item.isEmpty()
          || batch == null
          || !keywordsWithin(batch, ARRAY_KEYWORDS)
          || !"array".equals(batch.get("type"))) {
        return Optional.empty();
      }
      JsonObject items = plainObject(batch.get("items"));
      if (items == null
          || !items.fieldNames().stream().allMatch(k -> k.equals("type") || k.startsWith("__"))
          || !"object".equals(items.getValue("type"))) {
        return Optional.empty();
      }
      int min = batch.get("minItems", 0);
      int max = batch.get("maxItems", Integer.MAX_VALUE);
      FlatObjectCheck itemCheck = item.get();
      return Optional.of(
          value -> {
            if (value instanceof JsonObject) {
              return itemCheck.accepts(value);
            }
            if (value instanceof JsonArray array) {
              if (array.size() < min || array.size() > max) {
                return false;
              }
              for (Object element : array) {
                if (!(element instanceof JsonObject)) {
                  return false;
                }
              }
              return true;
            }
            return false;
          });
    } catch (RuntimeException unexpectedShape) {
      return Optional.empty();
    }
  }

  private static JsonArray plainArray(Object value) {
    return value instanceof JsonArray array ? new JsonArray(array.encode()) : null;
  }

  private static JsonObject plainObject(Object value) {
    return value instanceof JsonObject object ? new JsonObject(object.encode()) : null;
  }

  /** {@code app:///#/components/...} (as the resolved contract writes refs) -> {@code #/...}. */
  private static String pointer(String ref) {
    return ref == null || ref.indexOf('#') < 0 ? ref : ref.substring(ref.indexOf('#'));
  }

  private static boolean keywordsWithin(JsonSchema schema, Set<String> allowed) {
    return schema.fieldNames().stream().allMatch(allowed::contains);
  }

  /** True only for values the schema accepts; false means "ask the full validator". */
  boolean accepts(Object value) {
    if (!(value instanceof JsonObject object)) {
      return false;
    }
    for (String name : required) {
      if (!object.containsKey(name)) {
        return false;
      }
    }
    for (Map.Entry<String, Object> field : object) {
      StringRule rule = properties.get(field.getKey());
      if (rule == null || !rule.accepts(field.getValue())) {
        return false;
      }
    }
    return true;
  }
}
