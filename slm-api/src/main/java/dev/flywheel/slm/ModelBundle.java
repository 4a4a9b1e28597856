package dev.flywheel.slm;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A trained model as one zip archive: {@code manifest.json}, then, for the built-in recipe (format
 * 1), {@code vocabulary.txt} and {@code parameters.djl}, or, for another {@link ModelRecipe}
 * (format 2), the recipe's own entries, each listed with its sha256 in the manifest's {@code
 * files}. The archive's sha256 is the model's identity; reading always verifies it against the
 * value the caller expects (from a release or candidate event), then checks the manifest and the
 * entries' own hashes. Immutable.
 */
public final class ModelBundle {
  /** Value of {@link BundleManifest#format()}. */
  public static final String FORMAT = "flywheel-slm-bundle";

  /** The layout version of the built-in recipe's bundles. */
  public static final int FORMAT_VERSION = 1;

  /** The layout version of bundles of recipe entries; the newest this library reads. */
  public static final int RECIPE_FORMAT_VERSION = 2;

  /** The only task so far. */
  public static final String TASK_TEXT_CLASSIFICATION = "text-classification";

  static final String MANIFEST = "manifest.json";
  static final String VOCABULARY = "vocabulary.txt";
  static final String PARAMETERS = "parameters.djl";

  static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  // Fixed entry times keep equal content byte-identical (and so of equal sha256).
  private static final long ENTRY_TIME = 315_532_800_000L;

  private final byte[] bytes;
  private final String sha256;
  private final BundleManifest manifest;
  private final Tokenizer tokenizer;
  private final Hyperparameters hyperparameters;
  private final byte[] parameters;
  private final Map<String, byte[]> entries;

  private ModelBundle(
      byte[] bytes,
      String sha256,
      BundleManifest manifest,
      Tokenizer tokenizer,
      Hyperparameters hyperparameters,
      byte[] parameters,
      Map<String, byte[]> entries) {
    this.bytes = bytes;
    this.sha256 = sha256;
    this.manifest = manifest;
    this.tokenizer = tokenizer;
    this.hyperparameters = hyperparameters;
    this.parameters = parameters;
    this.entries = entries;
  }

  /**
   * Assembles a bundle of a recipe's own entries (format 2); the manifest's format, version and
   * {@code files} hashes are filled in here, its tokenizer and classic hashes left empty.
   *
   * @param entries entry name to content; names other than {@code manifest.json}
   */
  public static ModelBundle create(BundleManifest draft, Map<String, byte[]> entries) {
    Map<String, String> files = new TreeMap<>();
    for (Map.Entry<String, byte[]> e : entries.entrySet()) {
      if (e.getKey().equals(MANIFEST) || e.getKey().isBlank()) {
        throw new IllegalArgumentException("entry name '" + e.getKey() + "' is reserved");
      }
      files.put(e.getKey(), Hashing.sha256Hex(e.getValue()));
    }
    BundleManifest manifest =
        new BundleManifest(
            FORMAT,
            RECIPE_FORMAT_VERSION,
            draft.modelName(),
            draft.version(),
            draft.task(),
            draft.architecture(),
            draft.hyperparameters(),
            draft.labels(),
            null,
            null,
            null,
            draft.trainingMetrics(),
            draft.lineage(),
            draft.createdAt(),
            draft.djlVersion(),
            draft.engine(),
            draft.engineVersion(),
            draft.device(),
            files,
            draft.baseModel());
    long size = entries.values().stream().mapToLong(b -> b.length).sum();
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(size + 4096, 1L << 30));
      try (ZipOutputStream zip = new ZipOutputStream(out)) {
        zip.setLevel(Deflater.BEST_SPEED);
        put(zip, MANIFEST, JSON.writeValueAsBytes(manifest));
        for (String name : files.keySet()) {
          put(zip, name, entries.get(name));
        }
      }
      byte[] bytes = out.toByteArray();
      Map<String, byte[]> copy = new TreeMap<>();
      entries.forEach((k, v) -> copy.put(k, v.clone()));
      return new ModelBundle(
          bytes, Hashing.sha256Hex(bytes), manifest, null, null, null, Map.copyOf(copy));
    } catch (IOException e) {
      throw new IllegalStateException("writing a bundle to memory failed", e);
    }
  }

  /**
   * Assembles a built-in recipe's bundle (format 1); the manifest's vocabulary and parameter hashes
   * are filled in here.
   *
   * @param parameters the network's parameters as DJL writes them
   */
  public static ModelBundle create(BundleManifest draft, Tokenizer tokenizer, byte[] parameters) {
    BundleManifest manifest =
        new BundleManifest(
            FORMAT,
            FORMAT_VERSION,
            draft.modelName(),
            draft.version(),
            draft.task(),
            draft.architecture(),
            draft.hyperparameters(),
            draft.labels(),
            BundleManifest.TokenizerInfo.of(tokenizer),
            tokenizer.vocabularyHash(),
            Hashing.sha256Hex(parameters),
            draft.trainingMetrics(),
            draft.lineage(),
            draft.createdAt(),
            draft.djlVersion(),
            draft.engine(),
            draft.engineVersion(),
            draft.device());
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream(parameters.length + 4096);
      try (ZipOutputStream zip = new ZipOutputStream(out)) {
        zip.setLevel(Deflater.BEST_SPEED);
        put(zip, MANIFEST, JSON.writeValueAsBytes(manifest));
        put(zip, VOCABULARY, tokenizer.vocabularyBytes());
        put(zip, PARAMETERS, parameters);
      }
      byte[] bytes = out.toByteArray();
      return new ModelBundle(
          bytes,
          Hashing.sha256Hex(bytes),
          manifest,
          tokenizer,
          Hyperparameters.fromRecorded(manifest.hyperparameters()),
          parameters,
          Map.of());
    } catch (IOException e) {
      throw new IllegalStateException("writing a bundle to memory failed", e);
    }
  }

  /**
   * Reads and verifies a bundle file.
   *
   * @param expectedSha256 lower-case hex sha256 the caller trusts (e.g. from a release event)
   * @throws BundleException when the file is truncated, altered, malformed or incompatible
   */
  public static ModelBundle read(Path file, String expectedSha256) throws BundleException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new BundleException(BundleException.Reason.IO, "cannot read " + file + ": " + e, e);
    }
    return fromBytes(bytes, expectedSha256);
  }

  /**
   * Reads and verifies a bundle held in memory; see {@link #read(Path, String)}.
   *
   * @throws BundleException when the bytes are truncated, altered, malformed or incompatible
   */
  public static ModelBundle fromBytes(byte[] bytes, String expectedSha256) throws BundleException {
    if (expectedSha256 == null || !expectedSha256.matches("[0-9a-fA-F]{64}")) {
      throw new IllegalArgumentException(
          "expected sha256 must be 64 hex digits: " + expectedSha256);
    }
    String actual = Hashing.sha256Hex(bytes);
    if (!actual.equalsIgnoreCase(expectedSha256)) {
      if (!hasEndOfCentralDirectory(bytes)) {
        throw new BundleException(
            BundleException.Reason.TRUNCATED,
            "bundle of "
                + bytes.length
                + " bytes ends without a zip directory (sha256 "
                + actual
                + ", expected "
                + expectedSha256.toLowerCase(Locale.ROOT)
                + ")");
      }
      throw new BundleException(
          BundleException.Reason.CHECKSUM_MISMATCH,
          "bundle sha256 is " + actual + ", expected " + expectedSha256.toLowerCase(Locale.ROOT));
    }
    return parse(bytes, actual);
  }

  private static ModelBundle parse(byte[] bytes, String sha256) throws BundleException {
    Map<String, byte[]> entries = entries(bytes);
    if (!entries.containsKey(MANIFEST)) {
      throw new BundleException(BundleException.Reason.NOT_A_BUNDLE, "missing entry " + MANIFEST);
    }
    if (entries.size() == 1) {
      throw new BundleException(
          BundleException.Reason.NOT_A_BUNDLE,
          "missing entry "
              + PARAMETERS
              + " (or a recipe's entries): the zip holds only a manifest");
    }
    BundleManifest manifest = readManifest(entries.get(MANIFEST));
    checkCommon(manifest);
    if (manifest.formatVersion() >= RECIPE_FORMAT_VERSION) {
      return parseRecipeEntries(bytes, sha256, manifest, entries);
    }
    return parseClassicEntries(bytes, sha256, manifest, entries);
  }

  private static BundleManifest readManifest(byte[] json) throws BundleException {
    try {
      return JSON.readValue(json, BundleManifest.class);
    } catch (IOException e) {
      throw new BundleException(
          BundleException.Reason.MALFORMED_MANIFEST,
          "manifest.json unreadable: " + e.getMessage(),
          e);
    }
  }

  /**
   * A format-1 bundle: the vocabulary and DJL parameters of the built-in classifier, each checked
   * against the hash its manifest records.
   */
  private static ModelBundle parseClassicEntries(
      byte[] bytes, String sha256, BundleManifest manifest, Map<String, byte[]> entries)
      throws BundleException {
    for (String name : List.of(VOCABULARY, PARAMETERS)) {
      if (!entries.containsKey(name)) {
        throw new BundleException(BundleException.Reason.NOT_A_BUNDLE, "missing entry " + name);
      }
    }
    Hyperparameters hyperparameters = checkManifest(manifest);
    byte[] vocabulary = entries.get(VOCABULARY);
    byte[] parameters = entries.get(PARAMETERS);
    if (!Hashing.sha256Hex(vocabulary).equals(manifest.vocabularyHash())) {
      throw new BundleException(
          BundleException.Reason.CONTENT_MISMATCH,
          "vocabulary.txt does not match the manifest's vocabularyHash");
    }
    if (!Hashing.sha256Hex(parameters).equals(manifest.parametersSha256())) {
      throw new BundleException(
          BundleException.Reason.CONTENT_MISMATCH,
          "parameters.djl does not match the manifest's parametersSha256");
    }
    Tokenizer tokenizer = tokenizer(vocabulary, manifest, hyperparameters);
    return new ModelBundle(
        bytes, sha256, manifest, tokenizer, hyperparameters, parameters, Map.of());
  }

  /** The tokenizer of {@code vocabulary}, checked against the manifest and hyperparameters. */
  private static Tokenizer tokenizer(
      byte[] vocabulary, BundleManifest manifest, Hyperparameters hyperparameters)
      throws BundleException {
    Tokenizer tokenizer;
    try {
      tokenizer = Tokenizer.fromVocabulary(vocabulary, manifest.tokenizer().sequenceLength());
    } catch (IllegalArgumentException e) {
      throw new BundleException(
          BundleException.Reason.CONTENT_MISMATCH, "vocabulary.txt invalid: " + e.getMessage(), e);
    }
    if (tokenizer.vocabularySize() != manifest.tokenizer().vocabularySize()
        || tokenizer.sequenceLength() != hyperparameters.sequenceLength()) {
      throw new BundleException(
          BundleException.Reason.CONTENT_MISMATCH,
          "vocabulary has "
              + tokenizer.vocabularySize()
              + " entries, manifest says "
              + manifest.tokenizer().vocabularySize()
              + " (sequence length "
              + manifest.tokenizer().sequenceLength()
              + " vs hyperparameter "
              + hyperparameters.sequenceLength()
              + ")");
    }
    return tokenizer;
  }

  private static ModelBundle parseRecipeEntries(
      byte[] bytes, String sha256, BundleManifest manifest, Map<String, byte[]> entries)
      throws BundleException {
    if (manifest.files() == null) {
      throw new BundleException(
          BundleException.Reason.MALFORMED_MANIFEST, "format 2 manifest lacks files");
    }
    if (Recipes.find(manifest.architecture()).isEmpty()) {
      throw new BundleException(
          BundleException.Reason.INCOMPATIBLE,
          "unknown architecture '"
              + manifest.architecture()
              + "': no recipe for it on the classpath (known: "
              + Recipes.keys()
              + ")");
    }
    Map<String, byte[]> recipeEntries = new TreeMap<>();
    for (Map.Entry<String, String> f : manifest.files().entrySet()) {
      byte[] content = entries.get(f.getKey());
      if (content == null) {
        throw new BundleException(
            BundleException.Reason.NOT_A_BUNDLE, "missing entry " + f.getKey());
      }
      if (!Hashing.sha256Hex(content).equals(f.getValue())) {
        throw new BundleException(
            BundleException.Reason.CONTENT_MISMATCH,
            f.getKey() + " does not match its sha256 in the manifest");
      }
      recipeEntries.put(f.getKey(), content);
    }
    for (String name : entries.keySet()) {
      if (!name.equals(MANIFEST) && !recipeEntries.containsKey(name)) {
        throw new BundleException(
            BundleException.Reason.NOT_A_BUNDLE, "entry " + name + " is not in the manifest");
      }
    }
    return new ModelBundle(
        bytes, sha256, manifest, null, null, null, Collections.unmodifiableMap(recipeEntries));
  }

  private static void checkCommon(BundleManifest m) throws BundleException {
    if (!FORMAT.equals(m.format())) {
      throw new BundleException(
          BundleException.Reason.NOT_A_BUNDLE, "manifest format is '" + m.format() + "'");
    }
    if (m.formatVersion() > RECIPE_FORMAT_VERSION || m.formatVersion() < 1) {
      throw new BundleException(
          BundleException.Reason.INCOMPATIBLE,
          "bundle format version "
              + m.formatVersion()
              + ", this library reads up to "
              + RECIPE_FORMAT_VERSION);
    }
    if (!TASK_TEXT_CLASSIFICATION.equals(m.task())) {
      throw new BundleException(BundleException.Reason.INCOMPATIBLE, "unknown task " + m.task());
    }
    if (m.engine() != null && !"PyTorch".equals(m.engine())) {
      throw new BundleException(
          BundleException.Reason.INCOMPATIBLE, "parameters written by engine " + m.engine());
    }
    if (m.modelName() == null
        || m.version() == null
        || m.labels() == null
        || m.labels().isEmpty()
        || m.hyperparameters() == null) {
      throw new BundleException(
          BundleException.Reason.MALFORMED_MANIFEST,
          "manifest lacks modelName, version, labels or hyperparameters");
    }
    if (m.labels().stream().distinct().count() != m.labels().size()) {
      throw new BundleException(BundleException.Reason.MALFORMED_MANIFEST, "labels repeat");
    }
  }

  private static Hyperparameters checkManifest(BundleManifest m) throws BundleException {
    if (m.tokenizer() == null
        || m.hyperparameters() == null
        || m.vocabularyHash() == null
        || m.parametersSha256() == null) {
      throw new BundleException(
          BundleException.Reason.MALFORMED_MANIFEST, "manifest lacks tokenizer or hashes");
    }
    try {
      Architecture.fromKey(m.architecture());
    } catch (IllegalArgumentException e) {
      throw new BundleException(BundleException.Reason.INCOMPATIBLE, e.getMessage(), e);
    }
    try {
      return Hyperparameters.fromRecorded(m.hyperparameters());
    } catch (InvalidHyperparametersException e) {
      throw new BundleException(BundleException.Reason.MALFORMED_MANIFEST, e.getMessage(), e);
    }
  }

  private static Map<String, byte[]> entries(byte[] bytes) throws BundleException {
    Map<String, byte[]> entries = new HashMap<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
      ZipEntry entry;
      while ((entry = zip.getNextEntry()) != null) {
        if (entries.put(entry.getName(), zip.readAllBytes()) != null) {
          throw new BundleException(
              BundleException.Reason.NOT_A_BUNDLE, "entry " + entry.getName() + " repeats");
        }
      }
    } catch (ZipException e) {
      throw new BundleException(
          BundleException.Reason.NOT_A_BUNDLE, "not a zip: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new BundleException(BundleException.Reason.IO, "reading the zip failed: " + e, e);
    }
    return entries;
  }

  private static boolean hasEndOfCentralDirectory(byte[] b) {
    // The record is 22 bytes plus a comment of up to 65535 bytes at the very end of the file.
    int lowest = Math.max(0, b.length - 22 - 65_535);
    for (int i = b.length - 22; i >= lowest; i--) {
      if (b[i] == 0x50 && b[i + 1] == 0x4b && b[i + 2] == 0x05 && b[i + 3] == 0x06) {
        int commentLength = (b[i + 20] & 0xff) | ((b[i + 21] & 0xff) << 8);
        return i + 22 + commentLength == b.length;
      }
    }
    return false;
  }

  private static void put(ZipOutputStream zip, String name, byte[] content) throws IOException {
    ZipEntry entry = new ZipEntry(name);
    entry.setTime(ENTRY_TIME);
    zip.putNextEntry(entry);
    zip.write(content);
    zip.closeEntry();
  }

  /** Lower-case hex sha256 of the archive: the model's identity. */
  public String sha256() {
    return sha256;
  }

  public BundleManifest manifest() {
    return manifest;
  }

  /** Size of the archive in bytes. */
  public long sizeBytes() {
    return bytes.length;
  }

  /** A copy of the archive's bytes. */
  public byte[] toByteArray() {
    return bytes.clone();
  }

  /** The archive's bytes as a stream (e.g. for an artifact store). */
  public InputStream openStream() {
    return new ByteArrayInputStream(bytes);
  }

  /** Writes the archive's bytes to {@code out} without copying them; the caller closes it. */
  public void writeTo(OutputStream out) throws IOException {
    out.write(bytes);
  }

  /** Writes the archive to {@code target} atomically (a temporary sibling, then a rename). */
  public void writeTo(Path target) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".bundle-", ".tmp");
    try {
      Files.write(tmp, bytes);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The hyperparameters a built-in recipe's model was trained with; null for other recipes. */
  public Hyperparameters hyperparameters() {
    return hyperparameters;
  }

  /** A built-in recipe's tokenizer (vocabulary and sequence length); null for other recipes. */
  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /** A recipe entry's content (format 2 bundles), verified against the manifest. */
  public Optional<byte[]> entry(String name) {
    byte[] content = entries.get(name);
    return content == null ? Optional.empty() : Optional.of(content.clone());
  }

  /** A copy of a built-in recipe's parameters as DJL wrote them; null for other recipes. */
  public byte[] parameters() {
    return parameters == null ? null : parameters.clone();
  }

  @Override
  public String toString() {
    return "ModelBundle["
        + manifest.modelName()
        + " "
        + manifest.version()
        + " sha256="
        + sha256
        + "]";
  }
}
