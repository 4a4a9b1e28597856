package dev.flywheel.ingest;

import dev.flywheel.common.error.ValidationError;
import io.vertx.json.schema.OutputUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a JSON-schema validation result into one {@link ValidationError} per field, named like
 * {@code kind}, {@code texts[2]} or, inside a batch, {@code [3].kind}. Wrapper errors ("a subschema
 * had errors") are dropped, and so is every error of a {@code oneOf} branch the body evidently was
 * not (an object is not the batch branch, an array not the item branch).
 */
final class SchemaErrors {
  private static final Pattern BRANCH_TYPE = Pattern.compile("^(#/oneOf/\\d+)(/\\$ref)?/type$");

  /**
   * The validator reports a missing property only in its message ("Instance does not have required
   * property "x""); its output unit has no field naming it. This is the one text match on the
   * validator's wording; ContractValidationTest runs it on the validator's own message.
   */
  private static final Pattern REQUIRED = Pattern.compile("required property \"([^\"]+)\"");

  private static final List<String> WRAPPERS =
      List.of("/oneOf", "/anyOf", "/allOf", "/$ref", "/properties", "/items", "/prefixItems");

  private SchemaErrors() {}

  static List<ValidationError> fieldErrors(OutputUnit result, String prefix) {
    List<OutputUnit> leaves = new ArrayList<>();
    collect(result, leaves);
    List<String> wrongBranches = new ArrayList<>();
    for (OutputUnit unit : leaves) {
      Matcher m = BRANCH_TYPE.matcher(nullToEmpty(unit.getKeywordLocation()));
      if (m.matches() && isRoot(unit.getInstanceLocation())) {
        wrongBranches.add(m.group(1) + "/");
      }
    }
    Map<String, String> specific = new LinkedHashMap<>();
    Map<String, String> fallback = new LinkedHashMap<>();
    for (OutputUnit unit : leaves) {
      String keyword = nullToEmpty(unit.getKeywordLocation());
      if (wrongBranches.stream().anyMatch(keyword::startsWith)
          || WRAPPERS.stream().anyMatch(keyword::endsWith)) {
        continue;
      }
      String field = field(prefix, unit.getInstanceLocation());
      String message = nullToEmpty(unit.getError());
      Matcher required = REQUIRED.matcher(message);
      if (required.find()) {
        specific.putIfAbsent(join(field, required.group(1), prefix), "is required");
      } else if (keyword.endsWith("/additionalProperties")) {
        fallback.putIfAbsent(field, "is not a known field");
      } else {
        specific.putIfAbsent(field, message);
      }
    }
    fallback.forEach(specific::putIfAbsent);
    if (specific.isEmpty()) {
      specific.put(prefix.isEmpty() ? "body" : prefix, "does not match the API contract");
    }
    List<ValidationError> errors = new ArrayList<>();
    specific.forEach((field, message) -> errors.add(new ValidationError(field, message)));
    return errors;
  }

  private static void collect(OutputUnit unit, List<OutputUnit> leaves) {
    if (unit == null) {
      return;
    }
    List<OutputUnit> children = unit.getErrors();
    if (children == null || children.isEmpty()) {
      if (unit.getError() != null) {
        leaves.add(unit);
      }
      return;
    }
    children.forEach(child -> collect(child, leaves));
  }

  private static boolean isRoot(String instanceLocation) {
    String path = stripHash(instanceLocation);
    return path.isEmpty() || path.equals("/");
  }

  /** {@code #/texts/2} -> {@code texts[2]}; the root is {@code body} (or the batch prefix). */
  static String field(String prefix, String instanceLocation) {
    String path = stripHash(instanceLocation);
    StringBuilder out = new StringBuilder(prefix);
    for (String part : path.split("/")) {
      if (part.isEmpty()) {
        continue;
      }
      String name = part.replace("~1", "/").replace("~0", "~");
      if (name.chars().allMatch(Character::isDigit)) {
        out.append('[').append(name).append(']');
      } else {
        if (out.length() > 0) {
          out.append('.');
        }
        out.append(name);
      }
    }
    return out.length() == 0 ? "body" : out.toString();
  }

  private static String join(String field, String child, String prefix) {
    if (field.equals("body") && prefix.isEmpty()) {
      return child;
    }
    return field + "." + child;
  }

  private static String stripHash(String location) {
    String path = nullToEmpty(location);
    return path.startsWith("#") ? path.substring(1) : path;
  }

  private static String nullToEmpty(String text) {
    return text == null ? "" : text;
  }
}
