package dev.flywheel.slm.reference;

import dev.flywheel.slm.Tokenizer;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * TF-IDF features as scikit-learn's {@code TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)}
 * computes them, with {@link Tokenizer}'s normalisation: terms are word unigrams and bigrams of
 * adjacent words, and, inside a run of CJK characters (written without spaces), character 1- to
 * 3-grams. The weight of a term is {@code (1 + ln tf) * idf} with the smoothed {@code idf = ln((1 +
 * n) / (1 + df)) + 1}; each row is scaled to unit l2 norm. Terms not seen in fitting are ignored.
 * Immutable and thread-safe.
 */
public final class TfidfVectorizer {
  private final Map<String, Integer> index;
  private final double[] idf;

  private TfidfVectorizer(Map<String, Integer> index, double[] idf) {
    this.index = index;
    this.idf = idf;
  }

  /** Learns the vocabulary (every term of the texts) and the idf of each term. */
  public static TfidfVectorizer fit(List<String> texts) {
    Map<String, Integer> df = new TreeMap<>();
    for (String text : texts) {
      for (String term : termCounts(text).keySet()) {
        df.merge(term, 1, Integer::sum);
      }
    }
    Map<String, Integer> index = new HashMap<>(df.size() * 2);
    double[] idf = new double[df.size()];
    int n = texts.size();
    for (Map.Entry<String, Integer> e : df.entrySet()) {
      int i = index.size();
      index.put(e.getKey(), i);
      idf[i] = Math.log((1.0 + n) / (1.0 + e.getValue())) + 1.0;
    }
    return new TfidfVectorizer(index, idf);
  }

  /** The l2-normalised TF-IDF row of a text; empty when it has no known term. */
  public SparseVector transform(String text) {
    Map<String, Integer> counts = termCounts(text);
    TreeMap<Integer, Double> row = new TreeMap<>();
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      Integer i = index.get(e.getKey());
      if (i != null) {
        row.put(i, (1.0 + Math.log(e.getValue())) * idf[i]);
      }
    }
    double norm = 0;
    for (double v : row.values()) {
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    int[] indices = new int[row.size()];
    double[] values = new double[row.size()];
    int k = 0;
    for (Map.Entry<Integer, Double> e : row.entrySet()) {
      indices[k] = e.getKey();
      values[k] = e.getValue() / norm;
      k++;
    }
    return new SparseVector(indices, values);
  }

  /** Number of distinct terms learned. */
  public int size() {
    return idf.length;
  }

  /** The idf of a term, NaN when it was not seen in fitting. */
  public double idf(String term) {
    Integer i = index.get(term);
    return i == null ? Double.NaN : idf[i];
  }

  /** The column of a term, -1 when it was not seen in fitting. */
  public int column(String term) {
    return index.getOrDefault(term, -1);
  }

  /**
   * The terms of a text in order of appearance, repeats kept: each word, each pair of adjacent
   * words (joined by a space), and the character 1-, 2- and 3-grams of each CJK run. Words and CJK
   * runs are separated as {@link Tokenizer#tokenize} separates them; a CJK run or anything that is
   * not a letter, digit or mark ends a word, and word bigrams do not cross a CJK run.
   */
  public static List<String> terms(String text) {
    String s = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    List<String> terms = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    List<String> run = new ArrayList<>();
    String previousWord = null;
    int i = 0;
    while (i <= s.length()) {
      int cp = i < s.length() ? s.codePointAt(i) : -1;
      i += cp < 0 ? 1 : Character.charCount(cp);
      boolean cjk = cp >= 0 && Tokenizer.isCjk(cp);
      boolean wordChar = cp >= 0 && !cjk && (Character.isLetterOrDigit(cp) || Tokenizer.isMark(cp));
      if (wordChar) {
        word.appendCodePoint(cp);
        continue;
      }
      if (word.length() > 0) {
        String w = word.toString();
        terms.add(w);
        if (previousWord != null) {
          terms.add(previousWord + " " + w);
        }
        previousWord = w;
        word.setLength(0);
      }
      if (cjk) {
        run.add(new String(Character.toChars(cp)));
        previousWord = null;
        continue;
      }
      if (!run.isEmpty()) {
        addCharacterNgrams(run, terms);
        run.clear();
      }
      if (cp < 0) {
        break;
      }
      // Punctuation and spaces separate words; like scikit-learn's token pattern, adjacent words
      // still form a bigram across them.
    }
    return terms;
  }

  private static void addCharacterNgrams(List<String> run, List<String> terms) {
    for (int start = 0; start < run.size(); start++) {
      StringBuilder gram = new StringBuilder();
      for (int n = 1; n <= 3 && start + n <= run.size(); n++) {
        gram.append(run.get(start + n - 1));
        terms.add(gram.toString());
      }
    }
  }

  private static Map<String, Integer> termCounts(String text) {
    Map<String, Integer> counts = new HashMap<>();
    for (String term : terms(text)) {
      counts.merge(term, 1, Integer::sum);
    }
    return counts;
  }

  /** A sparse row: strictly increasing column indices and their values. */
  public record SparseVector(int[] indices, double[] values) {
    /** Number of non-zero entries. */
    public int size() {
      return indices.length;
    }
  }
}
