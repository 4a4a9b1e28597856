package dev.flywheel.slm.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.flywheel.slm.DevicePreference;
import dev.flywheel.slm.EpochSummary;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.ModelRecipe;
import dev.flywheel.slm.Recipes;
import dev.flywheel.slm.TrainingException;
import dev.flywheel.slm.TrainingListener;
import dev.flywheel.slm.TrainingRequest;
import dev.flywheel.slm.TrainingResult;
import dev.flywheel.slm.data.WordNetTopics;
import dev.flywheel.slm.store.FileArtifactStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encoder runs write a checkpoint per epoch and resume from one after the epoch it recorded, as a
 * trainer worker does when it takes a request over from one that died.
 */
class EncoderCheckpointTest {
  private static final List<String> LABELS = WordNetTopics.labels(WordNetTopics.Variant.TOPICS_8);
  private static final int EPOCHS = 4;
  private static List<Example> examples;
  private static FileArtifactStore store;
  private static ModelRecipe recipe;
  private static String baseModel;

  @TempDir static Path root;

  @BeforeAll
  static void setUp() throws Exception {
    List<Example> all = new ArrayList<>(WordNetTopics.load(WordNetTopics.Variant.TOPICS_8));
    Collections.shuffle(all, new Random(3));
    examples = all.subList(0, 120);
    store = new FileArtifactStore(root.resolve("store"));
    recipe = Recipes.forArchitecture("encoder");
    baseModel = TinyBert.write(root.resolve("tiny-bert")).toUri().toString();
  }

  /** Epochs and checkpoints a run reported. */
  private static final class Recorder implements TrainingListener {
    final List<Integer> epochs = new CopyOnWriteArrayList<>();
    final List<Double> losses = new CopyOnWriteArrayList<>();
    final List<Integer> checkpoints = new CopyOnWriteArrayList<>();
    final int stopAfter;

    Recorder(int stopAfter) {
      this.stopAfter = stopAfter;
    }

    @Override
    public void onEpochEnd(EpochSummary summary) {
      epochs.add(summary.epoch());
      losses.add(summary.trainLoss());
    }

    @Override
    public void onCheckpoint(Path file, int epoch) {
      assertThat(file).exists();
      checkpoints.add(epoch);
      if (epoch == stopAfter) {
        Thread.currentThread().interrupt(); // as the trainer stops a run after a checkpoint
      }
    }
  }

  private static TrainingRequest request(
      String mode, Map<String, String> more, Recorder recorder, Path checkpoint, Path resumeFrom) {
    Map<String, String> spec =
        new java.util.HashMap<>(
            Map.of(
                "architecture",
                "encoder",
                "baseModel",
                baseModel,
                "fineTune",
                mode,
                "epochs",
                Integer.toString(EPOCHS),
                "patience",
                "100",
                "dropout",
                "0"));
    spec.putAll(more);
    TrainingRequest.Builder b =
        TrainingRequest.builder()
            .setExamples(examples)
            .setModelName("resumable")
            .setVersion("1")
            .optLabels(LABELS)
            .optSettings(recipe.settings(spec))
            .optStore(store)
            .optDevice(DevicePreference.CPU)
            .optListener(recorder)
            .optCheckpointFile(checkpoint);
    if (resumeFrom != null) {
      b.optResumeFrom(resumeFrom);
    }
    return b.build();
  }

  @Test
  void shouldResumeAHeadRunAfterTheEpochItsCheckpointRecorded() throws Exception {
    resumesAfterTheCheckpointedEpoch("head");
  }

  @Test
  void shouldResumeATopLayerRunWithItsTrainedEncoderWeights() throws Exception {
    resumesAfterTheCheckpointedEpoch("top:1");
  }

  private void resumesAfterTheCheckpointedEpoch(String mode) throws Exception {
    Path dir = Files.createDirectories(root.resolve(mode.replace(':', '-')));
    Recorder whole = new Recorder(-1);
    TrainingResult uninterrupted =
        recipe.train(request(mode, Map.of(), whole, dir.resolve("whole.ckpt"), null));
    assertThat(whole.epochs).containsExactly(1, 2, 3, 4);
    assertThat(whole.checkpoints).containsExactly(1, 2, 3, 4);

    Path checkpoint = dir.resolve("run.ckpt");
    Recorder first = new Recorder(2);
    assertThatThrownBy(() -> recipe.train(request(mode, Map.of(), first, checkpoint, null)))
        .isInstanceOf(TrainingException.class)
        .extracting(e -> ((TrainingException) e).reason())
        .isEqualTo(TrainingException.Reason.INTERRUPTED);
    assertThat(Thread.interrupted()).isTrue();
    assertThat(first.checkpoints).containsExactly(1, 2);
    assertThat(first.losses).containsExactlyElementsOf(whole.losses.subList(0, 2));

    Recorder second = new Recorder(-1);
    TrainingResult resumed =
        recipe.train(request(mode, Map.of(), second, dir.resolve("next.ckpt"), checkpoint));

    // It went on after epoch 2 with epoch 2's weights: its third epoch trains from where the
    // uninterrupted run's did, so its loss is that run's, not a fresh first epoch's.
    assertThat(second.epochs).containsExactly(3, 4);
    assertThat(second.checkpoints).containsExactly(3, 4);
    assertThat(second.losses.get(0)).isLessThan(whole.losses.get(0));
    assertThat(second.losses.get(0)).isCloseTo(whole.losses.get(2), within(0.05));
    assertThat(resumed.bundle().manifest().trainingMetrics())
        .containsEntry("epochsRun", (double) EPOCHS)
        .containsEntry(
            "bestEpoch", uninterrupted.bundle().manifest().trainingMetrics().get("bestEpoch"));
  }

  /**
   * The weights a resumed run trains on are exactly the checkpoint's current ones, encoder layers
   * included: resumed at epoch 2 with a learning rate of 1e-30, its third epoch changes nothing, so
   * the classifier it returns holds epoch 2's weights.
   */
  @Test
  void shouldTrainOnTheCheckpointsCurrentWeightsHeadAndEncoder() throws Exception {
    BaseModel base = new BaseModels(store).resolve(baseModel);
    EncoderOptions options = EncoderOptions.defaults(FineTune.top(1)).withSchedule(2, 5e-3f);
    List<Example> train = examples.subList(0, 100);
    List<Example> validation = examples.subList(100, 120);
    List<EncoderTrainer.Resume> saved = new ArrayList<>();
    EncoderTrainer.CheckpointSink sink =
        (progress, current, best) -> saved.add(new EncoderTrainer.Resume(progress, current, best));
    EncoderTrainer.train(
            base,
            LABELS,
            train,
            validation,
            options,
            new EmbeddingCache(),
            ai.djl.Device.cpu(),
            null,
            (e, m, l, a) -> {},
            new EncoderTrainer.Checkpointing(null, sink))
        .classifier()
        .close();
    EncoderTrainer.Resume afterTwo = saved.get(1);
    assertThat(afterTwo.current().keySet())
        .contains("head.weight", "encoder.layer.1.output.dense.weight")
        .noneMatch(name -> name.startsWith("encoder.layer.0."));

    EncoderTrainer.Result resumed =
        EncoderTrainer.train(
            base,
            LABELS,
            train,
            List.of(),
            options.withSchedule(3, 1e-30f),
            new EmbeddingCache(),
            ai.djl.Device.cpu(),
            null,
            (e, m, l, a) -> {},
            new EncoderTrainer.Checkpointing(afterTwo, null));
    try (EncoderClassifier classifier = resumed.classifier()) {
      assertThat(resumed.epochs()).isEqualTo(3);
      assertThat(resumed.steps())
          .isEqualTo(
              afterTwo.progress().steps()
                  + (train.size() + options.batchSize() - 1) / options.batchSize());
      assertThat(classifier.headWeight())
          .containsExactly(afterTwo.current().get("head.weight").data(), within(1e-6f));
      Map<String, Tensor> encoder = classifier.encoderWeights();
      for (Tensor trained : afterTwo.current().values()) {
        if (!trained.name().startsWith("head.")) {
          assertThat(encoder.get(trained.name()).data())
              .as(trained.name())
              .containsExactly(trained.data(), within(1e-6f));
        }
      }
      assertThat(encoder.get("encoder.layer.1.output.dense.weight").data())
          .as("trained, so not the base's")
          .isNotEqualTo(base.weights().get("encoder.layer.1.output.dense.weight").data());
    }
  }

  @Test
  void shouldRefuseACheckpointOfAnotherRunOrACorruptOne() throws Exception {
    Path dir = Files.createDirectories(root.resolve("refused"));
    Path checkpoint = dir.resolve("run.ckpt");
    Recorder first = new Recorder(1);
    assertThatThrownBy(() -> recipe.train(request("head", Map.of(), first, checkpoint, null)))
        .isInstanceOf(TrainingException.class);
    assertThat(Thread.interrupted()).isTrue();

    assertThatThrownBy(
            () ->
                recipe.train(
                    request(
                        "head",
                        Map.of("learningRate", "0.002"),
                        new Recorder(-1),
                        dir.resolve("other.ckpt"),
                        checkpoint)))
        .isInstanceOf(TrainingException.class)
        .hasMessageContaining("checkpoint belongs to another run")
        .hasMessageContaining("settings")
        .extracting(e -> ((TrainingException) e).reason())
        .isEqualTo(TrainingException.Reason.CHECKPOINT_INCOMPATIBLE);

    byte[] bytes = Files.readAllBytes(checkpoint);
    Path truncated =
        Files.write(
            dir.resolve("truncated.ckpt"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertThatThrownBy(
            () ->
                recipe.train(
                    request("head", Map.of(), new Recorder(-1), dir.resolve("x.ckpt"), truncated)))
        .isInstanceOf(TrainingException.class)
        .extracting(e -> ((TrainingException) e).reason())
        .isEqualTo(TrainingException.Reason.CHECKPOINT_INCOMPATIBLE);
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no temporary file is left behind")
          .noneMatch(n -> n.endsWith(".tmp"));
    }
  }
}
