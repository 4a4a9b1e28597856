package dev.flywheel.slm.encoder;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.slm.CheckpointArchive;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.TrainingException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The file an encoder run rewrites after each epoch, so that another worker can resume it: where
 * the run stands (epochs done, early-stopping state, optimiser steps taken, so the learning-rate
 * schedule goes on where it was) and two sets of trained weights, the current ones and the best
 * epoch's (the current ones left out when they are the best). Only trained weights are kept: the
 * head, and for {@code top:K}/{@code full} the encoder weights that train; frozen weights are the
 * base model's, which the state names by sha256. As the other recipes' checkpoints, it holds no
 * optimiser moments: AdamW restarts them on resume.
 */
final class EncoderCheckpoint {
  static final int FORMAT = 1;
  private static final String STATE = "checkpoint.json";
  private static final String CURRENT = "current.safetensors";
  private static final String BEST = "best.safetensors";
  private static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private EncoderCheckpoint() {}

  /**
   * What a checkpoint records about its run, which a run must match to resume it, and where the run
   * stood after an epoch ({@code progress}: null in a run's identity before its first epoch).
   */
  record State(
      int formatVersion,
      String modelName,
      String version,
      String baseSha256,
      String fineTune,
      List<String> labels,
      Map<String, String> settings,
      String datasetFingerprint,
      EncoderTrainer.Progress progress) {

    /** The same run after another epoch. */
    State withProgress(EncoderTrainer.Progress p) {
      return new State(
          formatVersion,
          modelName,
          version,
          baseSha256,
          fineTune,
          labels,
          settings,
          datasetFingerprint,
          p);
    }
  }

  /** A checkpoint read back: its state and the current and best trained weights by name. */
  record Loaded(State state, Map<String, Tensor> current, Map<String, Tensor> best) {}

  /**
   * Replaces {@code file} atomically (a temporary file in the same directory, then a move). {@code
   * current} is left out when it is the very map {@code best}.
   */
  static void write(Path file, State state, Map<String, Tensor> current, Map<String, Tensor> best)
      throws IOException {
    List<CheckpointArchive.Entry> entries = new ArrayList<>();
    entries.add(new CheckpointArchive.Entry(STATE, JSON.writeValueAsBytes(state), true));
    if (current != best) {
      entries.add(new CheckpointArchive.Entry(CURRENT, Safetensors.write(current.values()), false));
    }
    entries.add(new CheckpointArchive.Entry(BEST, Safetensors.write(best.values()), false));
    CheckpointArchive.write(file, entries);
  }

  /**
   * Reads a checkpoint.
   *
   * @throws TrainingException ({@code CHECKPOINT_INCOMPATIBLE}) when it cannot be read or is
   *     malformed
   */
  static Loaded read(Path file) {
    Map<String, byte[]> entries;
    try {
      entries = CheckpointArchive.read(file);
    } catch (IOException e) {
      throw incompatible("cannot read checkpoint " + file + ": " + e, e);
    }
    for (String name : List.of(STATE, BEST)) {
      if (!entries.containsKey(name)) {
        throw incompatible("checkpoint " + file + " lacks " + name, null);
      }
    }
    try {
      State state = JSON.readValue(entries.get(STATE), State.class);
      if (state.progress() == null) {
        throw new IOException("no progress recorded");
      }
      Map<String, Tensor> best = Safetensors.read(entries.get(BEST), file + "!" + BEST);
      Map<String, Tensor> current =
          entries.containsKey(CURRENT)
              ? Safetensors.read(entries.get(CURRENT), file + "!" + CURRENT)
              : best;
      return new Loaded(state, current, best);
    } catch (IOException | RuntimeException e) {
      throw incompatible("checkpoint " + file + " is malformed: " + e.getMessage(), e);
    }
  }

  /**
   * Refuses a checkpoint of another run: another format, model version, base model, fine-tune mode,
   * labels, settings or examples.
   *
   * @throws TrainingException ({@code CHECKPOINT_INCOMPATIBLE}) naming every mismatch
   */
  static void checkResumable(State s, State expected) {
    List<String> mismatches = new ArrayList<>();
    if (s.formatVersion() != FORMAT) {
      mismatches.add("format version " + s.formatVersion());
    }
    if (!s.modelName().equals(expected.modelName()) || !s.version().equals(expected.version())) {
      mismatches.add("model " + s.modelName() + " " + s.version());
    }
    if (!s.baseSha256().equals(expected.baseSha256())) {
      mismatches.add("base model " + s.baseSha256());
    }
    if (!s.fineTune().equals(expected.fineTune())) {
      mismatches.add("fine-tune mode " + s.fineTune());
    }
    if (!s.labels().equals(expected.labels())) {
      mismatches.add("labels " + s.labels());
    }
    if (!s.settings().equals(expected.settings())) {
      mismatches.add("settings " + s.settings());
    }
    if (!s.datasetFingerprint().equals(expected.datasetFingerprint())) {
      mismatches.add("examples differ");
    }
    if (!mismatches.isEmpty()) {
      throw incompatible(
          "checkpoint belongs to another run: " + String.join(", ", mismatches), null);
    }
  }

  /** The sha256 of the examples a run trains and validates on: ids, labels, weights, texts. */
  static String fingerprint(List<Example> train, List<Example> validation) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (List<Example> part : List.of(train, validation)) {
        for (Example e : part) {
          for (String s : List.of(e.id(), e.label(), Float.toString(e.weight()), e.text())) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            digest.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
            digest.update((byte) ':');
            digest.update(bytes);
          }
        }
        digest.update((byte) '|');
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256", e);
    }
  }

  private static TrainingException incompatible(String message, Throwable cause) {
    return new TrainingException(TrainingException.Reason.CHECKPOINT_INCOMPATIBLE, message, cause);
  }
}
