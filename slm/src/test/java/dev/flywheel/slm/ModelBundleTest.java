package dev.flywheel.slm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.flywheel.slm.data.TangPoets;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ModelBundleTest {
  private static final List<String> TEXTS =
      List.of("a dog with fur", "the engine of a truck", "bread and cheese", "", "東京 zebra");

  @ParameterizedTest
  @EnumSource(Architecture.class)
  void shouldPredictIdenticallyAfterReloadingTheBundleInAFreshModel(
      Architecture architecture, @TempDir Path dir) throws Exception {
    ModelBundle original = TestModels.trained(architecture).bundle();
    Path file = dir.resolve("model.zip");
    original.writeTo(file);
    ModelBundle reloaded = ModelBundle.read(file, original.sha256());
    assertThat(reloaded.sha256()).isEqualTo(original.sha256());
    try (Classifier a = Classifier.load(original);
        Classifier b = Classifier.load(reloaded)) {
      List<Prediction> pa = a.predictBatch(TEXTS);
      List<Prediction> pb = b.predictBatch(TEXTS);
      for (int i = 0; i < TEXTS.size(); i++) {
        assertThat(pb.get(i).label()).isEqualTo(pa.get(i).label());
        for (String label : a.labels()) {
          assertThat(pb.get(i).scores().get(label))
              .isCloseTo(pa.get(i).scores().get(label), org.assertj.core.data.Offset.offset(1e-5f));
        }
        // A text alone scores as it does inside a batch (no batch-dependent normalisation).
        assertThat(b.predict(TEXTS.get(i)).confidence())
            .isCloseTo(pa.get(i).confidence(), org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  @Test
  void shouldRecordIdentityLineageAndVersionsInTheManifest() {
    TrainingResult result = TestModels.trained(Architecture.BAG);
    BundleManifest m = result.bundle().manifest();
    assertThat(m.format()).isEqualTo(ModelBundle.FORMAT);
    assertThat(m.modelName()).isEqualTo("test-bag");
    assertThat(m.version()).isEqualTo("1");
    assertThat(m.task()).isEqualTo("text-classification");
    assertThat(m.architecture()).isEqualTo("bag");
    assertThat(m.labels()).containsExactly("animal", "food", "vehicle");
    assertThat(m.hyperparameters()).isEqualTo(TestModels.tiny(Architecture.BAG).toMap());
    assertThat(m.vocabularyHash()).isEqualTo(result.bundle().tokenizer().vocabularyHash());
    assertThat(m.lineage().requestId()).isEqualTo("req-1");
    assertThat(m.lineage().datasetSnapshot()).containsEntry("flywheel-examples-0", "90");
    assertThat(m.lineage().parentVersion()).isNull();
    assertThat(m.djlVersion()).isEqualTo("0.36.0");
    assertThat(m.engine()).isEqualTo("PyTorch");
    assertThat(m.engineVersion()).isEqualTo("2.7.1");
    assertThat(m.device()).isEqualTo("cpu()");
    assertThat(m.trainingMetrics())
        .containsKeys("epochsRun", "validationAccuracy", "examplesPerSecond");
    assertThat(m.createdAt()).isNotBlank();
  }

  @Test
  void shouldRefuseATruncatedBundle() {
    ModelBundle bundle = TestModels.trained(Architecture.BAG).bundle();
    byte[] bytes = bundle.toByteArray();
    byte[] truncated = Arrays.copyOf(bytes, bytes.length - 100);
    BundleException e =
        catchThrowableOfType(
            BundleException.class, () -> ModelBundle.fromBytes(truncated, bundle.sha256()));
    assertThat(e.reason()).isEqualTo(BundleException.Reason.TRUNCATED);
    assertThat(e).hasMessageContaining(Integer.toString(truncated.length));
  }

  @Test
  void shouldRefuseAnAlteredBundle() {
    ModelBundle bundle = TestModels.trained(Architecture.BAG).bundle();
    byte[] altered = bundle.toByteArray();
    altered[altered.length / 2] ^= 0x01;
    BundleException e =
        catchThrowableOfType(
            BundleException.class, () -> ModelBundle.fromBytes(altered, bundle.sha256()));
    assertThat(e.reason()).isEqualTo(BundleException.Reason.CHECKSUM_MISMATCH);
    assertThat(e).hasMessageContaining(bundle.sha256());
  }

  @Test
  void shouldRefuseGarbageEvenWithItsOwnChecksum() {
    byte[] garbage = "not a zip at all".getBytes(StandardCharsets.UTF_8);
    BundleException e =
        catchThrowableOfType(
            BundleException.class,
            () -> ModelBundle.fromBytes(garbage, Hashing.sha256Hex(garbage)));
    assertThat(e.reason()).isEqualTo(BundleException.Reason.NOT_A_BUNDLE);
  }

  @Test
  void shouldRefuseABundleFromANewerFormat() throws Exception {
    ModelBundle bundle = TestModels.trained(Architecture.BAG).bundle();
    String manifest =
        ModelBundle.JSON
            .writeValueAsString(bundle.manifest())
            .replace("\"formatVersion\" : 1", "\"formatVersion\" : 99");
    byte[] zip =
        zip(
            manifest.getBytes(StandardCharsets.UTF_8),
            bundle.tokenizer().vocabularyBytes(),
            bundle.parameters());
    BundleException e =
        catchThrowableOfType(
            BundleException.class, () -> ModelBundle.fromBytes(zip, Hashing.sha256Hex(zip)));
    assertThat(e.reason()).isEqualTo(BundleException.Reason.INCOMPATIBLE);
    assertThat(e).hasMessageContaining("99");
  }

  @Test
  void shouldRefuseContentThatDiffersFromTheManifest() throws Exception {
    ModelBundle bundle = TestModels.trained(Architecture.BAG).bundle();
    byte[] params = bundle.parameters().clone();
    params[params.length - 1] ^= 0x01;
    byte[] zip =
        zip(
            ModelBundle.JSON.writeValueAsBytes(bundle.manifest()),
            bundle.tokenizer().vocabularyBytes(),
            params);
    BundleException e =
        catchThrowableOfType(
            BundleException.class, () -> ModelBundle.fromBytes(zip, Hashing.sha256Hex(zip)));
    assertThat(e.reason()).isEqualTo(BundleException.Reason.CONTENT_MISMATCH);
    assertThat(e).hasMessageContaining("parameters.djl");
  }

  @Test
  void shouldRefuseABundleWithoutParameters() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(out)) {
      z.putNextEntry(new ZipEntry(ModelBundle.MANIFEST));
      z.write("{}".getBytes(StandardCharsets.UTF_8));
    }
    byte[] zip = out.toByteArray();
    BundleException e =
        catchThrowableOfType(
            BundleException.class, () -> ModelBundle.fromBytes(zip, Hashing.sha256Hex(zip)));
    assertThat(e.reason()).isEqualTo(BundleException.Reason.NOT_A_BUNDLE);
    assertThat(e).hasMessageContaining("missing entry");
  }

  @Test
  void shouldWriteFilesAtomicallyWithoutLeavingTemporaries(@TempDir Path dir) throws Exception {
    ModelBundle bundle = TestModels.trained(Architecture.BAG).bundle();
    Path target = dir.resolve("sub").resolve("m.zip");
    bundle.writeTo(target);
    bundle.writeTo(target);
    try (var files = Files.list(target.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("m.zip");
    }
    assertThat(Hashing.sha256Hex(Files.readAllBytes(target))).isEqualTo(bundle.sha256());
  }

  @Test
  void shouldPredictABundleWrittenBeforeCharacterTrigramsWithTheFeaturesItWasTrainedWith()
      throws Exception {
    List<Example> poems =
        TangPoets.load().stream()
            .filter(e -> List.of("李白", "杜甫", "白居易").contains(e.label()))
            .limit(120)
            .toList();
    ModelBundle old =
        TextClassifierTrainer.train(
                TrainingRequest.builder()
                    .setExamples(poems)
                    .setModelName("old-bag")
                    .setVersion("1")
                    .optHyperparameters(
                        TestModels.tiny(Architecture.BAG)
                            .withValues(Map.of("cjkNgrams", "1", "sequenceLength", "32")))
                    .build())
            .bundle();
    String manifest = ModelBundle.JSON.writeValueAsString(old.manifest());
    String withoutKey = manifest.replaceAll(",\\s*\"cjkNgrams\"\\s*:\\s*\"1\"", "");
    assertThat(withoutKey).isNotEqualTo(manifest).doesNotContain("cjkNgrams");
    ModelBundle recorded = withManifest(old, withoutKey);
    ModelBundle trigrams =
        withManifest(old, manifest.replace("\"cjkNgrams\" : \"1\"", "\"cjkNgrams\" : \"3\""));

    assertThat(recorded.hyperparameters().cjkNgrams()).isEqualTo(1);
    assertThat(trigrams.hyperparameters().cjkNgrams()).isEqualTo(3);
    List<String> texts = poems.subList(0, 20).stream().map(Example::text).toList();
    try (Classifier a = Classifier.load(old);
        Classifier b = Classifier.load(recorded);
        Classifier c = Classifier.load(trigrams)) {
      List<Prediction> original = a.predictBatch(texts);
      List<Prediction> reloaded = b.predictBatch(texts);
      List<Prediction> changed = c.predictBatch(texts);
      for (int i = 0; i < texts.size(); i++) {
        assertThat(reloaded.get(i).scores()).isEqualTo(original.get(i).scores());
      }
      // The setting matters for these texts: read as trigrams, the same parameters score otherwise.
      assertThat(changed).isNotEqualTo(original);
    }
  }

  private static ModelBundle withManifest(ModelBundle bundle, String manifest) throws Exception {
    byte[] zip =
        zip(
            manifest.getBytes(StandardCharsets.UTF_8),
            bundle.tokenizer().vocabularyBytes(),
            bundle.parameters());
    return ModelBundle.fromBytes(zip, Hashing.sha256Hex(zip));
  }

  private static byte[] zip(byte[] manifest, byte[] vocabulary, byte[] parameters)
      throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(out)) {
      z.putNextEntry(new ZipEntry(ModelBundle.MANIFEST));
      z.write(manifest);
      z.putNextEntry(new ZipEntry(ModelBundle.VOCABULARY));
      z.write(vocabulary);
      z.putNextEntry(new ZipEntry(ModelBundle.PARAMETERS));
      z.write(parameters);
    }
    return out.toByteArray();
  }
}
