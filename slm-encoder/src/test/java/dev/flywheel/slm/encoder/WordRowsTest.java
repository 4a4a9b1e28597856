package dev.flywheel.slm.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.store.FileArtifactStore;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Full fine-tuning trains the word table through a copy of each batch's rows: the same forward pass
 * and the same gradient for those rows as the whole table gives, and an update that leaves every
 * other row as it was.
 */
class WordRowsTest {
  @TempDir Path root;

  @Test
  void shouldEncodeAndDifferentiateTheBatchRowsAsTheWholeTable() {
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      BertEncoderBlock block = new BertEncoderBlock(TinyBert.bertConfig(), Map.of(), 0f);
      block.initialize(manager);
      ParameterStore ps = new ParameterStore(manager, false);
      NDArray table = block.parameter(BertEncoderBlock.WORD_TABLE).getArray();
      List<long[]> batch = List.of(new long[] {101, 7592, 2088, 102}, new long[] {101, 2088, 102});
      // distinct ids [PAD, 101, 7592, 2088, 102]; padding keeps index 0
      List<long[]> local = List.of(new long[] {1, 2, 3, 4}, new long[] {1, 3, 4});
      long[] distinct = {0, 101, 7592, 2088, 102};

      float[] whole;
      float[] tableGradient;
      try (NDManager scope = manager.newSubManager();
          GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDArray pooled = block.forward(ps, SentenceEncoder.padded(scope, batch), true).get(1);
        whole = pooled.toFloatArray();
        collector.backward(pooled.square().sum());
        NDArray g = table.getGradient().get(new NDIndex("{}", scope.create(distinct)));
        tableGradient = g.toFloatArray();
      }
      table.setRequiresGradient(false);
      try (NDManager scope = manager.newSubManager();
          GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDArray rows = table.get(new NDIndex("{}", scope.create(distinct)));
        rows.attach(scope);
        rows.setRequiresGradient(true);
        NDList in = SentenceEncoder.padded(scope, local);
        NDArray pooled = block.forwardOnRows(ps, in.get(0), in.get(1), rows, true).get(1);
        assertThat(pooled.toFloatArray()).containsExactly(whole);
        collector.backward(pooled.square().sum());
        float[] rowGradient = rows.getGradient().toFloatArray();
        assertThat(rowGradient).hasSameSizeAs(tableGradient);
        for (int i = 0; i < rowGradient.length; i++) {
          assertThat(rowGradient[i]).isCloseTo(tableGradient[i], within(1e-7f));
        }
        assertThat(Arrays.copyOf(rowGradient, 32)).as("[PAD]'s row").containsOnly(0f);
      }
    }
  }

  @Test
  void shouldChangeOnlyTheRowsOfTheTokensItTrainedOn() throws Exception {
    BaseModel tiny =
        new BaseModels(new FileArtifactStore(root.resolve("store")))
            .fromDirectory("tiny", TinyBert.write(root.resolve("tiny")).toUri(), "MIT");
    List<Example> examples =
        List.of(
            new Example("a", "a small furry animal", "animal"),
            new Example("b", "a large grey animal", "animal"),
            new Example("c", "a tool for cutting wood", "artifact"),
            new Example("d", "a tool for driving nails", "artifact"));
    EncoderTrainer.Result result =
        EncoderTrainer.train(
            tiny,
            List.of("animal", "artifact"),
            examples,
            List.of(),
            EncoderOptions.defaults(FineTune.FULL).withSchedule(2, 1e-3f),
            new EmbeddingCache(),
            Device.cpu());
    try (EncoderClassifier classifier = result.classifier();
        EncoderTokenizer tokenizer = tiny.newTokenizer(128)) {
      assertThat(result.skippedSteps()).isZero();
      TreeSet<Long> seen = new TreeSet<>();
      for (Example e : examples) {
        Arrays.stream(tokenizer.encode(e.text())).forEach(seen::add);
      }
      float[] before = tiny.weights().get(BertEncoderBlock.WORD_TABLE).data();
      float[] after = classifier.encoderWeights().get(BertEncoderBlock.WORD_TABLE).data();
      int width = 32;
      for (long id = 0; id < TinyBert.VOCAB; id++) {
        float[] was = Arrays.copyOfRange(before, (int) id * width, (int) (id + 1) * width);
        float[] is = Arrays.copyOfRange(after, (int) id * width, (int) (id + 1) * width);
        if (seen.contains(id)) {
          assertThat(is).as("row %d, a token of the examples", id).isNotEqualTo(was);
        } else {
          assertThat(is).as("row %d, not a token of the examples", id).isEqualTo(was);
        }
      }
    }
  }
}
