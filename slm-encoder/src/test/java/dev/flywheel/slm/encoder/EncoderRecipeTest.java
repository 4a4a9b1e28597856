package dev.flywheel.slm.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.flywheel.slm.BaseModelInfo;
import dev.flywheel.slm.BundleException;
import dev.flywheel.slm.DevicePreference;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.InvalidHyperparametersException;
import dev.flywheel.slm.ModelBundle;
import dev.flywheel.slm.ModelRecipe;
import dev.flywheel.slm.Prediction;
import dev.flywheel.slm.RecipeContext;
import dev.flywheel.slm.Recipes;
import dev.flywheel.slm.TextClassifier;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncoderRecipeTest {
  private static final List<String> LABELS = WordNetTopics.labels(WordNetTopics.Variant.TOPICS_8);
  private static List<Example> shuffled;
  private static FileArtifactStore store;
  private static ModelRecipe recipe;

  @TempDir static Path root;

  @BeforeAll
  static void setUp() {
    shuffled = new ArrayList<>(WordNetTopics.load(WordNetTopics.Variant.TOPICS_8));
    Collections.shuffle(shuffled, new Random(7));
    store = new FileArtifactStore(root.resolve("store"));
    recipe = Recipes.forArchitecture("encoder");
  }

  private static TrainingResult trainHead(int examples, ModelBundle parent, String version) {
    Map<String, String> settings =
        recipe.settings(Map.of("architecture", "encoder", "fineTune", "head", "epochs", "30"));
    TrainingRequest.Builder request =
        TrainingRequest.builder()
            .setExamples(shuffled.subList(0, examples))
            .setModelName("topics")
            .setVersion(version)
            .optLabels(LABELS)
            .optSettings(settings)
            .optStore(store)
            .optDevice(DevicePreference.CPU);
    if (parent != null) {
      request.optParent(parent);
    }
    return recipe.train(request.build());
  }

  @Test
  void encoderRecipeIsFoundBesideTheBuiltInOnes() {
    assertThat(Recipes.keys()).contains("bag", "lstm", "transformer", "encoder");
    assertThat(recipe).isInstanceOf(EncoderRecipe.class);
  }

  @Test
  void shouldFineTuneAUserSuppliedBertDirectoryNamedInTheSpec() throws Exception {
    Path dir = TinyBert.write(root.resolve("my-bert"));
    Map<String, String> settings =
        recipe.settings(
            Map.of(
                "architecture", "encoder",
                "baseModel", dir.toUri().toString(),
                "fineTune", "head",
                "epochs", "3"));
    TrainingRequest request =
        TrainingRequest.builder()
            .setExamples(shuffled.subList(0, 80))
            .setModelName("mine")
            .setVersion("1")
            .optLabels(LABELS)
            .optSettings(settings)
            .optStore(store)
            .optDevice(DevicePreference.CPU)
            .build();

    TrainingResult result = recipe.train(request);

    BaseModelInfo base = result.bundle().manifest().baseModel();
    assertThat(base.name()).isEqualTo("my-bert");
    assertThat(base.source()).isEqualTo(dir.toUri().toString());
    assertThat(base.sha256())
        .isEqualTo(new BaseModels(store).resolve(dir.toUri().toString()).card().sha256());
    RecipeContext context = RecipeContext.of(store, DevicePreference.CPU);
    try (TextClassifier loaded = recipe.load(result.bundle(), context)) {
      Prediction p = loaded.predict("a small domesticated carnivore");
      assertThat(LABELS).contains(p.label());
    }
  }

  @Test
  void shouldNameWhatIsMissingInAUserSuppliedDirectory() throws Exception {
    Path dir = TinyBert.write(root.resolve("broken-bert"));
    Files.delete(dir.resolve("tokenizer.json"));
    Map<String, String> settings =
        recipe.settings(
            Map.of("architecture", "encoder", "baseModel", dir.toUri().toString(), "epochs", "1"));

    assertThatThrownBy(
            () ->
                recipe.train(
                    TrainingRequest.builder()
                        .setExamples(shuffled.subList(0, 80))
                        .setModelName("broken")
                        .setVersion("1")
                        .optLabels(LABELS)
                        .optSettings(settings)
                        .optStore(store)
                        .optDevice(DevicePreference.CPU)
                        .build()))
        .hasMessageContaining("tokenizer.json");
    assertThatThrownBy(
            () ->
                recipe.settings(Map.of("architecture", "encoder", "baseModel", "gs://bucket/bert")))
        .isInstanceOf(InvalidHyperparametersException.class)
        .hasMessageContaining("file: or s3: URI of a Hugging Face BERT directory");
    assertThat(recipe.settings(Map.of("architecture", "encoder", "baseModel", "s3://bucket/bert")))
        .containsEntry("baseModel", "s3://bucket/bert");
  }

  @Test
  void settingsNameAnUnknownBaseModelAndABadMode() {
    assertThatThrownBy(
            () ->
                recipe.settings(
                    Map.of("architecture", "encoder", "baseModel", "gpt-9", "fineTune", "half")))
        .isInstanceOf(InvalidHyperparametersException.class)
        .hasMessageContaining("unknown base model 'gpt-9'")
        .hasMessageContaining("fineTune");
    assertThat(recipe.settings(Map.of("architecture", "encoder")))
        .containsEntry("baseModel", "minilm-l6")
        .containsEntry("fineTune", "auto");
  }

  @Test
  void headBundleRefersToBaseWeightsRoundTripsAndWarmStartsItsChild() throws Exception {
    TrainingResult first = trainHead(240, null, "1");
    ModelBundle bundle = first.bundle();
    assertThat(bundle.manifest().architecture()).isEqualTo("encoder");
    assertThat(bundle.manifest().baseModel().name()).isEqualTo("minilm-l6");
    assertThat(bundle.manifest().baseModel().sha256()).matches("[0-9a-f]{64}");
    assertThat(bundle.manifest().hyperparameters()).containsEntry("fineTune", "head");
    assertThat(bundle.manifest().files())
        .containsOnlyKeys("encoder-model.json", "head.safetensors");
    assertThat(bundle.sizeBytes()).isLessThan(100_000);
    assertThat(first.bestValidationAccuracy()).isGreaterThan(0.6);

    ModelBundle read = ModelBundle.fromBytes(bundle.toByteArray(), bundle.sha256());
    List<String> texts = shuffled.subList(1000, 1020).stream().map(Example::text).toList();
    RecipeContext context = RecipeContext.of(store, DevicePreference.CPU);
    try (TextClassifier trained = recipe.load(bundle, context);
        TextClassifier loaded = Recipes.forArchitecture("encoder").load(read, context)) {
      List<Prediction> before = trained.predictBatch(texts);
      List<Prediction> after = loaded.predictBatch(texts);
      for (int i = 0; i < texts.size(); i++) {
        for (String label : LABELS) {
          assertThat(after.get(i).scores().get(label))
              .isCloseTo(before.get(i).scores().get(label), within(1e-5f));
        }
      }
    }

    TrainingResult child = trainHead(300, read, "2");
    assertThat(child.warmStart().used()).isTrue();
    assertThat(child.bundle().manifest().lineage().parentVersion()).isEqualTo("1");
  }

  @Test
  void listsBuiltInBaseModelsWithTheirParameterCountsAndStoredSha256() {
    BaseModelCard card = EncoderRecipe.catalogue(store).builtIn("minilm-l6").card();
    List<BaseModelInfo> listed = Recipes.baseModels(RecipeContext.of(store, DevicePreference.CPU));
    assertThat(listed)
        .extracting(BaseModelInfo::name)
        .containsExactly("minilm-l6", "bge-small-en", "bge-small-zh");
    BaseModelInfo minilm = listed.get(0);
    assertThat(minilm.parameters()).isEqualTo(card.parameterCount());
    assertThat(minilm.sha256()).isEqualTo(card.sha256());
    assertThat(minilm.source()).isEqualTo(card.source());
    assertThat(minilm.licence()).isEqualTo("Apache-2.0");
  }

  @Test
  void loadingRefusesTamperedBaseWeights() throws Exception {
    ModelBundle bundle = trainHead(80, null, "1").bundle();
    String sha256 = bundle.manifest().baseModel().sha256();
    Path own = root.resolve("own");
    FileArtifactStore first = new FileArtifactStore(own);
    EncoderRecipe.catalogue(first).builtIn("minilm-l6");
    Path blob = Path.of(first.find(BaseModels.BY_SHA256, sha256).orElseThrow().uri());
    byte[] bytes = Files.readAllBytes(blob);
    bytes[bytes.length / 3] ^= 1;
    Files.write(blob, bytes);
    // Another process reading the same store: nothing verified is held in its memory yet.
    FileArtifactStore tampered = new FileArtifactStore(own);

    assertThatThrownBy(
            () -> recipe.load(bundle, RecipeContext.of(tampered, DevicePreference.CPU)).close())
        .isInstanceOf(BundleException.class)
        .hasMessageContaining(sha256)
        .hasMessageContaining("refusing tampered or corrupt base weights");
  }
}
