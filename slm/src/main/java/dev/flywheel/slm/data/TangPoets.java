package dev.flywheel.slm.data;

import dev.flywheel.slm.Example;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * A Chinese text-classification task: 2,000 Tang poems (classical Chinese, traditional characters)
 * labeled by their poet, 250 each for eight poets (白居易, 杜甫, 李白, 元稹, 劉禹錫, 齊己, 貫休, 李商隱). A subset of
 * the MIT-licensed chinese-poetry collection (npm package {@code chinese-poetry} 2.0.1), shipped in
 * the repository's {@code data/chinese-poetry/} and on this module's classpath; provenance, licence
 * and the script that drew it are in {@code data/README.md}. Ids are {@code tsv-} plus a hash of
 * the text, as {@link TsvDataset} makes them.
 */
public final class TangPoets {
  /** Classpath location of the TSV file ({@code poet<TAB>poem}). */
  public static final String RESOURCE = "flywheel/data/chinese-poetry/tang-poets-8.tsv";

  private TangPoets() {}

  /** The eight poets, sorted. */
  public static List<String> labels() {
    return load().stream().map(Example::label).distinct().sorted().toList();
  }

  /**
   * The 2,000 examples in file order.
   *
   * @throws DatasetException when the resource is missing or malformed
   */
  public static List<Example> load() {
    try (InputStream in = TangPoets.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new DatasetException(RESOURCE + " not on the classpath", 0, null);
      }
      return TsvDataset.read(new BufferedInputStream(in), RESOURCE).examples();
    } catch (IOException e) {
      throw new DatasetException("cannot read " + RESOURCE + ": " + e.getMessage(), 0, e);
    }
  }
}
