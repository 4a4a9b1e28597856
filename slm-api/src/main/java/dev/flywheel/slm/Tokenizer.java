package dev.flywheel.slm;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns text into a fixed number of token ids. Text is NFKC-normalised and lower-cased; letters and
 * digits of alphabetic scripts form words, each Han, Hiragana, Katakana or Hangul character is its
 * own token, everything else separates tokens. Id 0 is {@code [PAD]}, id 1 {@code [UNK]}; the
 * vocabulary is ordered by frequency (descending), then by token, so the same texts always give the
 * same ids. Immutable and thread-safe.
 */
public final class Tokenizer {
  /** Padding token, id 0; masked out of means and attention. */
  public static final String PAD = "[PAD]";

  /** Token for anything outside the vocabulary, id 1. */
  public static final String UNK = "[UNK]";

  public static final int PAD_ID = 0;
  public static final int UNK_ID = 1;

  private final List<String> vocabulary;
  private final Map<String, Integer> ids;
  private final int sequenceLength;
  private final String vocabularyHash;
  private final BitSet cjkCharacters;

  private Tokenizer(List<String> vocabulary, int sequenceLength) {
    if (sequenceLength < 1) {
      throw new IllegalArgumentException("sequenceLength must be at least 1");
    }
    if (vocabulary.size() < 2
        || !PAD.equals(vocabulary.get(PAD_ID))
        || !UNK.equals(vocabulary.get(UNK_ID))) {
      throw new IllegalArgumentException("vocabulary must start with " + PAD + " and " + UNK);
    }
    Map<String, Integer> index = new HashMap<>(vocabulary.size() * 2);
    for (int i = 0; i < vocabulary.size(); i++) {
      String token = vocabulary.get(i);
      if (token.isEmpty() || token.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException("vocabulary entry " + i + " is empty or has whitespace");
      }
      if (index.put(token, i) != null) {
        throw new IllegalArgumentException("vocabulary entry " + i + " repeats '" + token + "'");
      }
    }
    this.vocabulary = List.copyOf(vocabulary);
    this.ids = index;
    this.sequenceLength = sequenceLength;
    this.vocabularyHash = Hashing.sha256Hex(vocabularyBytes());
    this.cjkCharacters = new BitSet(vocabulary.size());
    for (int i = 2; i < vocabulary.size(); i++) {
      String token = vocabulary.get(i);
      int cp = token.codePointAt(0);
      if (Character.charCount(cp) == token.length() && isCjk(cp)) {
        cjkCharacters.set(i);
      }
    }
  }

  /**
   * Builds the vocabulary from training texts.
   *
   * @param minFrequency a token needs at least this many occurrences
   * @param maxVocab most entries, {@code [PAD]} and {@code [UNK]} included
   */
  public static Tokenizer build(
      Iterable<String> texts, int minFrequency, int maxVocab, int sequenceLength) {
    if (maxVocab < 3 || minFrequency < 1) {
      throw new IllegalArgumentException("maxVocab must be >= 3 and minFrequency >= 1");
    }
    Map<String, Integer> counts = new HashMap<>();
    for (String text : texts) {
      for (String token : tokenize(text)) {
        counts.merge(token, 1, Integer::sum);
      }
    }
    List<Map.Entry<String, Integer>> entries = new ArrayList<>(counts.entrySet());
    entries.removeIf(e -> e.getValue() < minFrequency);
    entries.sort(
        Map.Entry.<String, Integer>comparingByValue(Collections.reverseOrder())
            .thenComparing(Map.Entry.comparingByKey()));
    List<String> vocabulary = new ArrayList<>(Math.min(entries.size() + 2, maxVocab));
    vocabulary.add(PAD);
    vocabulary.add(UNK);
    for (Map.Entry<String, Integer> e : entries) {
      if (vocabulary.size() >= maxVocab) {
        break;
      }
      vocabulary.add(e.getKey());
    }
    return new Tokenizer(vocabulary, sequenceLength);
  }

  /** A tokenizer over a saved vocabulary (one token per line, as {@link #vocabularyBytes()}). */
  public static Tokenizer fromVocabulary(byte[] vocabularyFile, int sequenceLength) {
    String text = new String(vocabularyFile, StandardCharsets.UTF_8);
    if (!text.endsWith("\n")) {
      throw new IllegalArgumentException("vocabulary file does not end with a newline");
    }
    return new Tokenizer(
        Arrays.asList(text.substring(0, text.length() - 1).split("\n", -1)), sequenceLength);
  }

  /** Normalises and splits a text into tokens, without vocabulary lookup or truncation. */
  public static List<String> tokenize(String text) {
    String normalized = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    List<String> tokens = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    int i = 0;
    while (i < normalized.length()) {
      int cp = normalized.codePointAt(i);
      i += Character.charCount(cp);
      if (isCjk(cp)) {
        flush(word, tokens);
        tokens.add(new String(Character.toChars(cp)));
      } else if (Character.isLetterOrDigit(cp) || isMark(cp)) {
        word.appendCodePoint(cp);
      } else {
        flush(word, tokens);
      }
    }
    flush(word, tokens);
    return tokens;
  }

  /** Exactly {@link #sequenceLength()} ids: the first tokens of the text, then {@code [PAD]}. */
  public int[] encode(String text) {
    int[] out = new int[sequenceLength];
    List<String> tokens = tokenize(text);
    for (int i = 0; i < Math.min(tokens.size(), sequenceLength); i++) {
      out[i] = ids.getOrDefault(tokens.get(i), UNK_ID);
    }
    return out;
  }

  /**
   * Share of token occurrences in {@code texts} that the vocabulary knows; 1.0 for no tokens. Used
   * to decide whether a parent model's vocabulary still fits new data.
   */
  public double coverage(Iterable<String> texts) {
    long known = 0;
    long total = 0;
    for (String text : texts) {
      for (String token : tokenize(text)) {
        total++;
        if (ids.containsKey(token)) {
          known++;
        }
      }
    }
    return total == 0 ? 1.0 : (double) known / total;
  }

  /** The id of a token, {@code [UNK]}'s when unknown. */
  public int id(String token) {
    return ids.getOrDefault(token, UNK_ID);
  }

  /**
   * True when the token of {@code id} is one Han, Hiragana, Katakana or Hangul character, the
   * tokens that character n-grams are built from.
   */
  public boolean isCjkCharacter(int id) {
    return cjkCharacters.get(id);
  }

  /** Tokens by id. */
  public List<String> vocabulary() {
    return vocabulary;
  }

  public int vocabularySize() {
    return vocabulary.size();
  }

  public int sequenceLength() {
    return sequenceLength;
  }

  /** The vocabulary as saved in a bundle: UTF-8, one token per line, ordered by id. */
  public byte[] vocabularyBytes() {
    return (String.join("\n", vocabulary) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Lower-case hex sha256 of {@link #vocabularyBytes()}. */
  public String vocabularyHash() {
    return vocabularyHash;
  }

  private static void flush(StringBuilder word, List<String> tokens) {
    if (word.length() > 0) {
      tokens.add(word.toString());
      word.setLength(0);
    }
  }

  /** True for a combining mark, which continues the word before it. */
  public static boolean isMark(int cp) {
    int type = Character.getType(cp);
    return type == Character.NON_SPACING_MARK
        || type == Character.COMBINING_SPACING_MARK
        || type == Character.ENCLOSING_MARK;
  }

  /**
   * True for a Han, Hiragana, Katakana or Hangul code point: scripts written without spaces between
   * words, where each character is a token and character n-grams stand in for words.
   */
  public static boolean isCjk(int cp) {
    Character.UnicodeScript script = Character.UnicodeScript.of(cp);
    return script == Character.UnicodeScript.HAN
        || script == Character.UnicodeScript.HIRAGANA
        || script == Character.UnicodeScript.KATAKANA
        || script == Character.UnicodeScript.HANGUL;
  }
}
