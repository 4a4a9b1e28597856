package dev.flywheel.ingest;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Other spellings of one request path, as a hostile client would try them against a router that
 * normalises: case, doubled and trailing slashes, dot segments, percent-encoding of each character
 * (upper- and lower-case hex), encoded slashes and backslashes, and matrix parameters. The
 * canonical path itself is never among them.
 */
final class PathVariants {
  private PathVariants() {}

  static List<String> of(String path) {
    Set<String> out = new LinkedHashSet<>();
    List<Integer> slashes = new ArrayList<>();
    for (int i = 0; i < path.length(); i++) {
      if (path.charAt(i) == '/') {
        slashes.add(i);
      }
    }
    // Case.
    out.add(path.toUpperCase(Locale.ROOT));
    for (int slash : slashes) {
      if (slash + 1 < path.length() && Character.isLetter(path.charAt(slash + 1))) {
        out.add(
            path.substring(0, slash + 1)
                + Character.toUpperCase(path.charAt(slash + 1))
                + path.substring(slash + 2));
      }
    }
    // Doubled, tripled and trailing slashes.
    for (int slash : slashes) {
      out.add(path.substring(0, slash) + "//" + path.substring(slash + 1));
      out.add(path.substring(0, slash) + "///" + path.substring(slash + 1));
    }
    out.add(path + "/");
    out.add(path + "//");
    // Dot segments anywhere.
    for (int slash : slashes) {
      String before = path.substring(0, slash);
      String after = path.substring(slash);
      out.add(before + "/." + after);
      out.add(before + "/x/.." + after);
      out.add(before + "/%2e" + after);
      out.add(before + "/x/%2e%2e" + after);
      out.add(before + "/x/.%2E" + after);
    }
    out.add(path + "/.");
    out.add(path + "/..");
    out.add(path + "/x/..");
    // Percent-encoding of each character, and of each slash.
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      String upper = String.format("%%%02X", (int) c);
      String lower = upper.toLowerCase(Locale.ROOT);
      String head = path.substring(0, i);
      String tail = path.substring(i + 1);
      if (c == '/' && i == 0) {
        continue;
      }
      out.add(head + upper + tail);
      if (!lower.equals(upper)) {
        out.add(head + lower + tail);
      }
      if (c == '/') {
        out.add(head + "\\" + tail);
        out.add(head + "%5C" + tail);
      }
    }
    // Matrix parameters on each segment.
    for (int k = 1; k < slashes.size(); k++) {
      int slash = slashes.get(k);
      out.add(path.substring(0, slash) + ";a=b" + path.substring(slash));
      out.add(path.substring(0, slash) + ";" + path.substring(slash));
    }
    out.add(path + ";a=b");
    out.add(path + ";");
    out.remove(path);
    return List.copyOf(out);
  }
}
