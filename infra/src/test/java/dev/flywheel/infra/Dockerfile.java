package dev.flywheel.infra;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A Dockerfile read as far as the tests need: build arguments with their defaults, and per stage
 * its base, its instructions and the environment it inherits from the stages it builds on.
 */
final class Dockerfile {
  /** One instruction: keyword (upper case) and its argument text, continuations joined. */
  record Instruction(String keyword, String arguments) {}

  /** One build stage. */
  record Stage(String name, String from, List<Instruction> instructions) {
    List<String> all(String keyword) {
      return instructions.stream()
          .filter(i -> i.keyword().equals(keyword))
          .map(Instruction::arguments)
          .toList();
    }

    Optional<String> last(String keyword) {
      List<String> found = all(keyword);
      return found.isEmpty() ? Optional.empty() : Optional.of(found.get(found.size() - 1));
    }
  }

  private final Map<String, String> args = new LinkedHashMap<>();
  private final Map<String, Stage> stages = new LinkedHashMap<>();

  private Dockerfile() {}

  static Dockerfile parse(Path file) {
    Dockerfile dockerfile = new Dockerfile();
    Stage current = null;
    for (String line : logicalLines(InfraFiles.read(file))) {
      int space = line.indexOf(' ');
      String keyword = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
      String rest = space < 0 ? "" : line.substring(space + 1).trim();
      if (keyword.equals("FROM")) {
        String[] parts = rest.split("\\s+");
        String name = parts.length >= 3 && parts[1].equalsIgnoreCase("AS") ? parts[2] : "";
        current = new Stage(name, parts[0], new ArrayList<>());
        dockerfile.stages.put(name, current);
      } else if (current == null) {
        if (keyword.equals("ARG")) {
          int eq = rest.indexOf('=');
          dockerfile.args.put(
              eq < 0 ? rest : rest.substring(0, eq), eq < 0 ? "" : rest.substring(eq + 1));
        }
      } else {
        current.instructions().add(new Instruction(keyword, rest));
      }
    }
    return dockerfile;
  }

  /** The global build arguments and their defaults. */
  Map<String, String> args() {
    return args;
  }

  Map<String, Stage> stages() {
    return stages;
  }

  Stage stage(String name) {
    Stage stage = stages.get(name);
    if (stage == null) {
      throw new AssertionError("the Dockerfile has no stage " + name);
    }
    return stage;
  }

  /** The image a stage's FROM names, with build arguments replaced by their defaults. */
  String baseImage(Stage stage) {
    String from = stage.from();
    for (Map.Entry<String, String> arg : args.entrySet()) {
      from =
          from.replace("${" + arg.getKey() + "}", arg.getValue())
              .replace("$" + arg.getKey(), arg.getValue());
    }
    return from;
  }

  /** The environment a stage's image has: its ENV lines over those of the stages it builds on. */
  Map<String, String> environment(String stageName) {
    Stage stage = stage(stageName);
    Map<String, String> env =
        stages.containsKey(stage.from()) ? environment(stage.from()) : new LinkedHashMap<>();
    for (String line : stage.all("ENV")) {
      env.putAll(envPairs(line));
    }
    return env;
  }

  /** The value of an instruction in the stage or, failing that, in the stages it builds on. */
  Optional<String> inherited(String stageName, String keyword) {
    Stage stage = stage(stageName);
    Optional<String> own = stage.last(keyword);
    if (own.isPresent() || !stages.containsKey(stage.from())) {
      return own;
    }
    return inherited(stage.from(), keyword);
  }

  /** {@code K=V K2="v 2"} pairs of an ENV instruction. */
  static Map<String, String> envPairs(String text) {
    Map<String, String> pairs = new LinkedHashMap<>();
    int i = 0;
    while (i < text.length()) {
      while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      int eq = text.indexOf('=', i);
      if (i >= text.length() || eq < 0) {
        break;
      }
      String key = text.substring(i, eq);
      i = eq + 1;
      StringBuilder value = new StringBuilder();
      if (i < text.length() && text.charAt(i) == '"') {
        i++;
        while (i < text.length() && text.charAt(i) != '"') {
          value.append(text.charAt(i++));
        }
        i++;
      } else {
        while (i < text.length() && !Character.isWhitespace(text.charAt(i))) {
          value.append(text.charAt(i++));
        }
      }
      pairs.put(key, value.toString());
    }
    return pairs;
  }

  /** Instructions with continuations joined, comments and the parser directive dropped. */
  private static List<String> logicalLines(String text) {
    List<String> lines = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.startsWith("#") || (line.isEmpty() && current.length() == 0)) {
        continue;
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      current.append(line);
      if (current.length() > 0) {
        lines.add(current.toString().trim());
      }
      current.setLength(0);
    }
    return lines;
  }
}
