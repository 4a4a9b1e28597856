package dev.flywheel.slm;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The file a run rewrites after each epoch: where it stands (no optimizer state; Adam restarts its
 * moments on resume), its vocabulary, and the current and best parameters (the current ones only
 * when they differ from the best: after an improving epoch they are the same).
 */
final class Checkpoints {
  private static final String STATE = "checkpoint.json";
  private static final String VOCABULARY = "vocabulary.txt";
  private static final String CURRENT = "current.djl";
  private static final String BEST = "best.djl";
  // The bundle's manifest settings (slm-api keeps its mapper to itself).
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

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

  /**
   * Replaces {@code file} atomically; {@code current} is left out when it is the very array {@code
   * best}.
   */
  static void write(Path file, State state, Tokenizer tokenizer, byte[] current, byte[] best)
      throws IOException {
    List<CheckpointArchive.Entry> entries = new ArrayList<>();
    entries.add(new CheckpointArchive.Entry(STATE, JSON.writeValueAsBytes(state), true));
    entries.add(new CheckpointArchive.Entry(VOCABULARY, tokenizer.vocabularyBytes(), true));
    // Float parameters barely compress (a 70 MB bag checkpoint: 7 % smaller at BEST_SPEED)
    // but deflating them took ~2 s per epoch; stored blocks write at disk speed.
    if (current != best) {
      entries.add(new CheckpointArchive.Entry(CURRENT, current, false));
    }
    entries.add(new CheckpointArchive.Entry(BEST, best, false));
    CheckpointArchive.write(file, entries);
  }

  static Loaded read(Path file) {
    Map<String, byte[]> entries;
    try {
      entries = CheckpointArchive.read(file);
    } catch (IOException e) {
      throw new TrainingException(
          TrainingException.Reason.CHECKPOINT_INCOMPATIBLE,
          "cannot read checkpoint " + file + ": " + e,
          e);
    }
    for (String name : List.of(STATE, VOCABULARY, BEST)) {
      if (!entries.containsKey(name)) {
        throw new TrainingException(
            TrainingException.Reason.CHECKPOINT_INCOMPATIBLE,
            "checkpoint " + file + " lacks " + name);
      }
    }
    try {
      State state = JSON.readValue(entries.get(STATE), State.class);
      Tokenizer tokenizer =
          Tokenizer.fromVocabulary(entries.get(VOCABULARY), state.sequenceLength());
      byte[] best = entries.get(BEST);
      return new Loaded(state, tokenizer, entries.getOrDefault(CURRENT, best), best);
    } catch (IOException | IllegalArgumentException e) {
      throw new TrainingException(
          TrainingException.Reason.CHECKPOINT_INCOMPATIBLE,
          "checkpoint " + file + " is malformed: " + e,
          e);
    }
  }
}
