package dev.flywheel.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.flywheel.schemas.Texts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;

/**
 * The one JSON reader of request bodies: stricter than the JSON grammar where a lenient reading
 * would let two parties see two different documents. A key given twice in one object is refused (a
 * lenient parser keeps the last one, a validator or proxy may have checked the first), and so is a
 * string holding an unpaired UTF-16 surrogate ({@code "\ud800"}), which no UTF-8 consumer can
 * represent. Nesting is bounded, so a deeply nested body cannot exhaust the stack.
 */
final class StrictJson {
  static final int MAX_DEPTH = 16;

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(MAX_DEPTH)
                  .maxNumberLength(400)
                  .build())
          .build();

  /** Why a body was refused, for the caller's 400. */
  static final class Invalid extends Exception {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  private StrictJson() {}

  /**
   * The JSON value of {@code text}: a {@link JsonObject}, {@link JsonArray}, String, Number,
   * Boolean or null.
   *
   * @throws Invalid for malformed JSON, a duplicate key, an unpaired surrogate or too deep nesting
   */
  static Object parse(String text) throws Invalid {
    try (JsonParser parser = FACTORY.createParser(text)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        throw new Invalid("malformed JSON: the body is empty");
      }
      Object value = read(parser, "");
      if (parser.nextToken() != null) {
        throw new Invalid("malformed JSON: more than one value");
      }
      return value;
    } catch (JsonParseException e) {
      String message = e.getOriginalMessage();
      if (message != null && message.startsWith("Duplicate field")) {
        throw new Invalid("duplicate key " + message.substring("Duplicate field".length()).trim());
      }
      throw new Invalid("malformed JSON");
    } catch (IOException e) {
      // StreamConstraintsException (depth, number length) is an IOException too.
      throw new Invalid("malformed JSON: " + e.getClass().getSimpleName());
    }
  }

  private static Object read(JsonParser parser, String pointer) throws IOException, Invalid {
    JsonToken token = parser.currentToken();
    switch (token) {
      case START_OBJECT -> {
        JsonObject object = new JsonObject();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String key = checked(parser.currentName(), pointer);
          parser.nextToken();
          object.put(key, read(parser, pointer + "/" + key));
        }
        return object;
      }
      case START_ARRAY -> {
        JsonArray array = new JsonArray();
        int index = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          array.add(read(parser, pointer + "/" + index++));
        }
        return array;
      }
      case VALUE_STRING -> {
        return checked(parser.getText(), pointer);
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        return parser.getNumberValue();
      }
      case VALUE_TRUE -> {
        return Boolean.TRUE;
      }
      case VALUE_FALSE -> {
        return Boolean.FALSE;
      }
      case VALUE_NULL -> {
        return null;
      }
      default -> throw new Invalid("malformed JSON");
    }
  }

  private static String checked(String text, String pointer) throws Invalid {
    if (Texts.hasUnpairedSurrogate(text)) {
      throw new Invalid(
          "an unpaired UTF-16 surrogate at " + (pointer.isEmpty() ? "the top level" : pointer));
    }
    return text;
  }
}
