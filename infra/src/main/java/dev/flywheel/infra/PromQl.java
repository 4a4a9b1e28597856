package dev.flywheel.infra;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the metric names a PromQL expression selects, so that a test can check every name a
 * dashboard or an alert rule queries against what the services really export. It is a scanner, not
 * a full parser: it skips strings, comments, range and subquery brackets, durations, numbers,
 * Grafana template variables ({@code $model}, {@code ${model}}, {@code $__rate_interval}), function
 * and aggregation names, the label lists of {@code by}/{@code without}/{@code on}/{@code
 * ignoring}/{@code group_left}/{@code group_right}, and the label names inside selectors; what is
 * left is a metric name. A {@code {__name__="..."}} matcher (or a quoted name in a selector) counts
 * as a name; a regular-expression name matcher cannot be checked and is rejected.
 */
public final class PromQl {
  private static final Set<String> AGGREGATIONS =
      Set.of(
          "sum",
          "min",
          "max",
          "avg",
          "group",
          "stddev",
          "stdvar",
          "count",
          "count_values",
          "bottomk",
          "topk",
          "quantile",
          "limitk",
          "limit_ratio");
  private static final Set<String> LABEL_LIST_MODIFIERS =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
  private static final Set<String> KEYWORDS =
      Set.of("and", "or", "unless", "bool", "offset", "atan2", "inf", "nan");

  private PromQl() {}

  /**
   * One vector selector: the metric name and its equality label matchers ({@code service="x"});
   * other matchers ({@code !=}, {@code =~}, {@code !~}) are left out.
   *
   * @param name the metric name
   * @param labels label name to the value it must equal
   */
  public record Selector(String name, Map<String, String> labels) {
    public Selector {
      labels = Map.copyOf(labels);
    }
  }

  /**
   * The vector selectors of {@code expression}, in order of appearance.
   *
   * @throws IllegalArgumentException as {@link #metricNames(String)}
   */
  public static List<Selector> selectors(String expression) {
    List<Selector> found = new ArrayList<>();
    scan(expression, found);
    return found;
  }

  /**
   * The metric names {@code expression} selects, in order of first appearance.
   *
   * @throws IllegalArgumentException for an unterminated string, selector or bracket, or a {@code
   *     __name__} matcher other than {@code =}
   */
  public static Set<String> metricNames(String expression) {
    Set<String> names = new LinkedHashSet<>();
    for (Selector selector : selectors(expression)) {
      names.add(selector.name());
    }
    return names;
  }

  private static void scan(String expression, List<Selector> found) {
    String s = expression;
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '#') {
        i = endOfLine(s, i);
      } else if (c == '"' || c == '\'' || c == '`') {
        i = endOfString(s, i);
      } else if (c == '{') {
        i = selector(s, i, null, found);
      } else if (c == '[') {
        i = closing(s, i, '[', ']');
      } else if (c == '$') {
        i = endOfVariable(s, i);
      } else if (isIdentifierStart(c)) {
        int end = endOfIdentifier(s, i);
        String word = s.substring(i, end);
        int next = skipSpace(s, end);
        boolean call = next < s.length() && s.charAt(next) == '(';
        String lower = word.toLowerCase(java.util.Locale.ROOT);
        if (LABEL_LIST_MODIFIERS.contains(lower)) {
          i = call ? closing(s, next, '(', ')') : end;
        } else if (call || AGGREGATIONS.contains(lower) || KEYWORDS.contains(lower)) {
          i = end;
        } else if (next < s.length() && s.charAt(next) == '{') {
          i = selector(s, next, word, found);
        } else {
          found.add(new Selector(word, Map.of()));
          i = end;
        }
      } else if (Character.isDigit(c) || (c == '.' && i + 1 < s.length() && isDigitAt(s, i + 1))) {
        i = endOfNumber(s, i);
      } else {
        i++;
      }
    }
  }

  /**
   * Reads a {@code {...}} selector of {@code name} (null for a bare selector, whose name is a
   * {@code __name__=} matcher or a quoted name) and adds it.
   */
  private static int selector(String s, int open, String name, List<Selector> found) {
    int close = closing(s, open, '{', '}');
    String body = s.substring(open + 1, close - 1);
    Map<String, String> labels = new LinkedHashMap<>();
    String metric = name;
    int i = 0;
    while (i < body.length()) {
      char c = body.charAt(i);
      if (Character.isWhitespace(c) || c == ',') {
        i++;
        continue;
      }
      if (c == '$') {
        i = endOfVariable(body, i);
        continue;
      }
      Matcher matcher = matcher(body, i);
      if (matcher.operator() == null) {
        metric = matcher.label(); // Prometheus 3: {"metric.name"} selects by quoted name
      } else if ("__name__".equals(matcher.label())) {
        if (!"=".equals(matcher.operator())) {
          throw new IllegalArgumentException(
              "cannot check a __name__ matcher with '" + matcher.operator() + "': {" + body + "}");
        }
        metric = matcher.value();
      } else if ("=".equals(matcher.operator())) {
        labels.put(matcher.label(), matcher.value());
      }
      i = matcher.end();
    }
    if (metric == null) {
      throw new IllegalArgumentException("a selector without a metric name: {" + body + "}");
    }
    found.add(new Selector(metric, labels));
    return close;
  }

  /**
   * One matcher inside a selector body: label, operator and unquoted value, or a quoted metric name
   * alone (then {@code operator} and {@code value} are null); {@code end} is where reading stopped.
   */
  private record Matcher(String label, String operator, String value, int end) {}

  /** Reads the matcher that starts at {@code start}: label (bare or quoted), operator, value. */
  private static Matcher matcher(String body, int start) {
    int labelEnd = endOfLabel(body, start);
    String label =
        isQuote(body.charAt(start))
            ? unquote(body.substring(start, labelEnd))
            : body.substring(start, labelEnd);
    int op = skipSpace(body, labelEnd);
    if (op >= body.length() || body.charAt(op) == ',') {
      return new Matcher(label, null, null, op);
    }
    int opEnd = op;
    while (opEnd < body.length() && "=!~".indexOf(body.charAt(opEnd)) >= 0) {
      opEnd++;
    }
    String operator = body.substring(op, opEnd);
    int value = skipSpace(body, opEnd);
    if (value >= body.length() || !isQuote(body.charAt(value))) {
      throw new IllegalArgumentException("a matcher needs a quoted value: {" + body + "}");
    }
    int valueEnd = endOfString(body, value);
    return new Matcher(label, operator, unquote(body.substring(value, valueEnd)), valueEnd);
  }

  private static int endOfLabel(String body, int start) {
    char c = body.charAt(start);
    if (isQuote(c)) {
      return endOfString(body, start);
    }
    if (isIdentifierStart(c)) {
      return endOfIdentifier(body, start);
    }
    throw new IllegalArgumentException("unexpected '" + c + "' in selector {" + body + "}");
  }

  private static boolean isQuote(char c) {
    return c == '"' || c == '\'' || c == '`';
  }

  private static String unquote(String quoted) {
    String inner = quoted.substring(1, quoted.length() - 1);
    return quoted.charAt(0) == '`' ? inner : inner.replace("\\\"", "\"").replace("\\'", "'");
  }

  private static int closing(String s, int open, char opener, char closer) {
    int depth = 0;
    int i = open;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '"' || c == '\'' || c == '`') {
        i = endOfString(s, i);
        continue;
      }
      if (c == opener) {
        depth++;
      } else if (c == closer) {
        depth--;
        if (depth == 0) {
          return i + 1;
        }
      }
      i++;
    }
    throw new IllegalArgumentException("unclosed '" + opener + "' at " + open + " in: " + s);
  }

  private static int endOfString(String s, int open) {
    char quote = s.charAt(open);
    int i = open + 1;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '\\' && quote != '`') {
        i += 2;
        continue;
      }
      if (c == quote) {
        return i + 1;
      }
      i++;
    }
    throw new IllegalArgumentException("unterminated string at " + open + " in: " + s);
  }

  private static int endOfVariable(String s, int dollar) {
    int i = dollar + 1;
    if (i < s.length() && s.charAt(i) == '{') {
      return closing(s, i, '{', '}');
    }
    while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
      i++;
    }
    return i;
  }

  private static int endOfIdentifier(String s, int start) {
    int i = start;
    while (i < s.length()
        && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == ':')) {
      i++;
    }
    return i;
  }

  /** Numbers, hex and durations ({@code 5m}, {@code 1h30m}, {@code 1e-3} ends at the sign). */
  private static int endOfNumber(String s, int start) {
    int i = start;
    while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '.')) {
      i++;
    }
    return i;
  }

  private static int endOfLine(String s, int start) {
    int newline = s.indexOf('\n', start);
    return newline < 0 ? s.length() : newline + 1;
  }

  private static int skipSpace(String s, int start) {
    int i = start;
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static boolean isIdentifierStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  }

  private static boolean isDigitAt(String s, int i) {
    return Character.isDigit(s.charAt(i));
  }
}
