package dev.flywheel.slm;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The file a run rewrites after each epoch: where it stands (no optimizer state; Adam restarts its
 * moments on resume), its vocabulary, and the current and best parameters.
 */
final class Checkpoints {
  private static final String STATE = "checkpoint.json";
  private static final String VOCABULARY = "vocabulary.txt";
  private static final String CURRENT = "current.djl";
  private static final String BEST = "best.djl";

  private Checkpoints() {}

  /** Where a run stands after {@code epoch} completed epochs. */
  record State(
      int formatVersion,
      String modelName,
      String version,
      List<String> labels,
      Map<String, String> hyperparameters,
      String datasetFingerprint,
      int sequenceLength,
      int epoch,
      int bestEpoch,
      double bestAccuracy,
      int epochsWithoutImprovement,
      boolean stopped,
      List<Double> trainLoss,
      List<Double> validationAccuracy,
      double trainSeconds,
      long examplesTrained,
      boolean warmStartUsed,
      String warmStartReason) {}

  /** A checkpoint as read back. */
  record Loaded(State state, Tokenizer tokenizer, byte[] current, byte[] best) {}

  static void write(Path file, State state, Tokenizer tokenizer, byte[] current, byte[] best)
      throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".checkpoint-", ".tmp");
    try {
      try (OutputStream out = Files.newOutputStream(tmp);
          ZipOutputStream zip = new ZipOutputStream(out)) {
        zip.setLevel(Deflater.BEST_SPEED);
        put(zip, STATE, ModelBundle.JSON.writeValueAsBytes(state));
        put(zip, VOCABULARY, tokenizer.vocabularyBytes());
        put(zip, CURRENT, current);
        put(zip, BEST, best);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  static Loaded read(Path file) {
    Map<String, byte[]> entries = new HashMap<>();
    try (ZipInputStream zip =
        new ZipInputStream(new ByteArrayInputStream(Files.readAllBytes(file)))) {
      ZipEntry entry;
      while ((entry = zip.getNextEntry()) != null) {
        entries.put(entry.getName(), zip.readAllBytes());
      }
    } catch (IOException e) {
      throw new TrainingException(
          TrainingException.Reason.CHECKPOINT_INCOMPATIBLE,
          "cannot read checkpoint " + file + ": " + e,
          e);
    }
    for (String name : List.of(STATE, VOCABULARY, CURRENT, BEST)) {
      if (!entries.containsKey(name)) {
        throw new TrainingException(
            TrainingException.Reason.CHECKPOINT_INCOMPATIBLE,
            "checkpoint " + file + " lacks " + name);
      }
    }
    try {
      State state = ModelBundle.JSON.readValue(entries.get(STATE), State.class);
      Tokenizer tokenizer =
          Tokenizer.fromVocabulary(entries.get(VOCABULARY), state.sequenceLength());
      return new Loaded(state, tokenizer, entries.get(CURRENT), entries.get(BEST));
    } catch (IOException | IllegalArgumentException e) {
      throw new TrainingException(
          TrainingException.Reason.CHECKPOINT_INCOMPATIBLE,
          "checkpoint " + file + " is malformed: " + e,
          e);
    }
  }

  private static void put(ZipOutputStream zip, String name, byte[] content) throws IOException {
    zip.putNextEntry(new ZipEntry(name));
    zip.write(content);
    zip.closeEntry();
  }
}
