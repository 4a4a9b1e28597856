package dev.flywheel.common.auth;

import java.util.Optional;

/**
 * The one spelling of a request path the gateway accepts. Routers normalise paths (decode
 * percent-encoded characters, drop dot segments, merge slashes) before they match, so any other
 * spelling of a path can reach the same handler; a check made on the raw path would then be made on
 * a different path from the one that runs. The gateway therefore refuses every non-canonical target
 * before anything else, and what is left means the same to every handler: {@code /} or {@code
 * /segment(/segment)*}, each segment of lower-case unreserved characters only ({@code a-z 0-9 - . _
 * ~}), none of them {@code .} or {@code ..}, no empty segment, no trailing slash, no
 * percent-encoding and no matrix parameters. No name in the API needs anything else (model names
 * are lower case), so a differently cased path is refused rather than answered 404 or, worse, left
 * to a case-insensitive matcher.
 */
public final class RequestTargets {
  public static final int MAX_PATH_LENGTH = 1024;

  private RequestTargets() {}

  /** Why {@code path} is not canonical; empty when it is. */
  public static Optional<String> problem(String path) {
    if (path == null || path.isEmpty() || path.charAt(0) != '/') {
      return Optional.of("the request target must be an absolute path");
    }
    if (path.length() > MAX_PATH_LENGTH) {
      return Optional.of("the path is longer than " + MAX_PATH_LENGTH + " characters");
    }
    if (path.length() == 1) {
      return Optional.empty();
    }
    int segmentStart = 1;
    for (int i = 1; i <= path.length(); i++) {
      if (i == path.length() || path.charAt(i) == '/') {
        Optional<String> segment = segmentProblem(path, segmentStart, i);
        if (segment.isPresent()) {
          return segment;
        }
        segmentStart = i + 1;
        continue;
      }
      char c = path.charAt(i);
      if (c == '%') {
        return Optional.of("percent-encoded characters are not accepted in the path");
      }
      if (c == ';') {
        return Optional.of("matrix parameters are not accepted in the path");
      }
      if (c >= 'A' && c <= 'Z') {
        return Optional.of("paths are lower case");
      }
      if (!unreserved(c)) {
        return Optional.of("the path holds a character outside a-z 0-9 - . _ ~");
      }
    }
    return Optional.empty();
  }

  private static Optional<String> segmentProblem(String path, int start, int end) {
    if (start == end) {
      return Optional.of(
          end == path.length()
              ? "a trailing slash is not part of any path"
              : "empty path segments (//) are not accepted");
    }
    int length = end - start;
    if ((length == 1 && path.charAt(start) == '.')
        || (length == 2 && path.charAt(start) == '.' && path.charAt(start + 1) == '.')) {
      return Optional.of("dot segments (. and ..) are not accepted in the path");
    }
    return Optional.empty();
  }

  private static boolean unreserved(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }
}
