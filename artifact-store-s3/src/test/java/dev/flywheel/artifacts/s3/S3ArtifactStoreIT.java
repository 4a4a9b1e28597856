package dev.flywheel.artifacts.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.slm.Architecture;
import dev.flywheel.slm.BundleManifest;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.Hyperparameters;
import dev.flywheel.slm.ModelBundle;
import dev.flywheel.slm.Tokenizer;
import dev.flywheel.slm.store.ArtifactStore;
import dev.flywheel.slm.store.ArtifactStoreException;
import dev.flywheel.slm.store.ArtifactStores;
import dev.flywheel.slm.store.StoredArtifact;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The S3 store against a real S3-compatible server (s3rver on loopback). Each test works under its
 * own random prefix of one bucket.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class S3ArtifactStoreIT {
  private static final String BUCKET = "flywheel-it";

  @TempDir static Path workDir;

  private static S3rverProcess server;
  private static S3Settings settings;
  private static S3Client raw;

  private URI root;
  private S3ArtifactStore store;

  @BeforeAll
  static void startServer() throws IOException {
    server = S3rverProcess.start(workDir);
    // The SDK's default credentials chain reads these first; the provider reads the endpoint.
    System.setProperty("aws.accessKeyId", S3rverProcess.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", S3rverProcess.SECRET_KEY);
    System.setProperty(S3Settings.ENDPOINT_PROPERTY, server.endpoint().toString());
    settings = S3Settings.DEFAULTS.withEndpoint(server.endpoint()).withRegion("us-east-1");
    raw = S3Clients.create(settings);
    raw.createBucket(b -> b.bucket(BUCKET));
  }

  @AfterAll
  static void stopServer() throws InterruptedException {
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
    System.clearProperty(S3Settings.ENDPOINT_PROPERTY);
    if (raw != null) {
      raw.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void openStore() {
    root = URI.create("s3://" + BUCKET + "/it-" + UUID.randomUUID() + "/artifacts");
    store = S3ArtifactStore.create(root, settings);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void shouldRoundTripPutReadListAndFind() throws IOException {
    byte[] one = bytes(10_000, 1);
    byte[] two = bytes(20_000, 2);
    Path twoFile = Files.write(workDir.resolve("two-" + UUID.randomUUID() + ".zip"), two);

    StoredArtifact v1 = store.put("intents", "1", one);
    StoredArtifact v2 = store.put("intents", "2", twoFile);

    assertThat(v1.sha256()).isEqualTo(sha256(one));
    assertThat(v1.sizeBytes()).isEqualTo(one.length);
    assertThat(v1.uri())
        .isEqualTo(
            URI.create(
                root
                    + "/blobs/sha256/"
                    + v1.sha256().substring(0, 2)
                    + "/"
                    + v1.sha256()
                    + ".zip"));
    assertThat(store.read(v1.uri())).isEqualTo(one);
    assertThat(store.read(v2.uri())).isEqualTo(two);
    assertThat(store.exists(v1.uri())).isTrue();
    assertThat(store.list("intents")).containsExactly(v1, v2);
    assertThat(store.find("intents", "2")).contains(v2);
    assertThat(store.find("intents", "3")).isEmpty();
    assertThat(store.list("unknown-model")).isEmpty();
  }

  @Test
  void shouldSendTheBlobWithItsChecksumsBeforeAConditionalVersionRecord() throws Exception {
    List<SdkHttpRequest> puts = new CopyOnWriteArrayList<>();
    ExecutionInterceptor recorder =
        new ExecutionInterceptor() {
          @Override
          public void beforeTransmission(
              Context.BeforeTransmission context, ExecutionAttributes attributes) {
            if (context.httpRequest().method() == SdkHttpMethod.PUT) {
              puts.add(context.httpRequest());
            }
          }
        };
    byte[] bundle = bytes(3_000, 12);
    try (S3Client watched =
        S3Clients.builder(settings)
            .overrideConfiguration(c -> c.addExecutionInterceptor(recorder))
            .build()) {
      StoredArtifact stored = S3ArtifactStore.using(watched, root).put("intents", "1", bundle);

      assertThat(puts).hasSize(2);
      SdkHttpRequest blob = puts.get(0);
      assertThat(blob.encodedPath())
          .startsWith("/" + BUCKET + "/")
          .endsWith(
              "/blobs/sha256/" + stored.sha256().substring(0, 2) + "/" + stored.sha256() + ".zip");
      assertThat(blob.firstMatchingHeader("x-amz-checksum-sha256"))
          .contains(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(stored.sha256())));
      assertThat(blob.firstMatchingHeader("x-amz-sdk-checksum-algorithm")).contains("SHA256");
      assertThat(blob.firstMatchingHeader("Content-MD5"))
          .contains(
              Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(bundle)));
      assertThat(blob.firstMatchingHeader("x-amz-content-sha256")).contains(stored.sha256());
      assertThat(blob.firstMatchingHeader("Content-Encoding")).isEmpty();
      SdkHttpRequest record = puts.get(1);
      assertThat(record.encodedPath()).endsWith("/models/intents/1.json");
      assertThat(record.firstMatchingHeader("If-None-Match")).contains("*");
    }
  }

  @Test
  void shouldNameEachBundleBySha256AndStoreEqualBytesOnce() {
    byte[] bundle = bytes(5_000, 3);

    StoredArtifact a = store.put("intents", "1", bundle);
    StoredArtifact b = store.put("other-model", "7", bundle);

    assertThat(b.uri()).isEqualTo(a.uri());
    assertThat(b.sha256()).isEqualTo(a.sha256()).isEqualTo(sha256(bundle));
    List<S3Object> blobs =
        raw
            .listObjectsV2Paginator(
                r -> r.bucket(BUCKET).prefix(store.root().getPath().substring(1) + "blobs/"))
            .contents()
            .stream()
            .toList();
    assertThat(blobs).singleElement().satisfies(o -> assertThat(o.size()).isEqualTo(5_000L));
  }

  @Test
  void shouldReturnTheExistingRecordWhenTheSameBytesArePutAgain() {
    byte[] bundle = bytes(4_000, 4);
    StoredArtifact first = store.put("intents", "1", bundle);

    StoredArtifact again = store.put("intents", "1", bundle.clone());

    assertThat(again).isEqualTo(first);
    assertThat(store.list("intents")).containsExactly(first);
  }

  @Test
  void shouldRefuseOtherBytesForAnExistingVersion() {
    byte[] original = bytes(4_000, 5);
    StoredArtifact first = store.put("intents", "1", original);

    assertThatThrownBy(() -> store.put("intents", "1", bytes(4_000, 6)))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("already holds bundle " + first.sha256());

    assertThat(store.find("intents", "1")).contains(first);
    assertThat(store.read(first.uri())).isEqualTo(original);
  }

  @Test
  void shouldDetectACorruptedObjectOnRead() throws IOException {
    byte[] bundle = bytes(8_000, 8);
    StoredArtifact stored = store.put("intents", "1", bundle);
    byte[] damaged = bundle.clone();
    damaged[4_000] ^= 0x01;
    overwrite(stored.uri(), damaged);

    assertThatThrownBy(() -> store.read(stored.uri()))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("corrupted")
        .hasMessageContaining("expected " + stored.sha256());
    try (InputStream in = store.open(stored.uri())) {
      assertThatThrownBy(in::readAllBytes)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("corrupted");
    }
  }

  @Test
  void shouldDetectATruncatedObjectOnRead() {
    byte[] bundle = bytes(8_000, 9);
    StoredArtifact stored = store.put("intents", "1", bundle);
    overwrite(stored.uri(), Arrays.copyOf(bundle, 7_999));

    assertThatThrownBy(() -> store.read(stored.uri()))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("7999 bytes");
  }

  /** A writer killed mid-put on s3rver (whose PUT is not atomic) leaves an empty object. */
  @Test
  void shouldCountATornVersionRecordAsAbsentAndReplaceItOnTheNextPut() {
    StoredArtifact v1 = store.put("intents", "1", bytes(3_000, 21));
    StoredArtifact v2 = store.put("intents", "2", bytes(3_000, 22));
    byte[] whole = raw.getObjectAsBytes(b -> b.bucket(BUCKET).key(recordKey("2"))).asByteArray();
    raw.putObject(b -> b.bucket(BUCKET).key(recordKey("2")), RequestBody.empty());
    raw.putObject(
        b -> b.bucket(BUCKET).key(recordKey("3")),
        RequestBody.fromBytes(Arrays.copyOf(whole, whole.length / 2)));

    assertThat(store.list("intents")).containsExactly(v1);
    assertThat(store.find("intents", "2")).isEmpty();
    assertThat(store.find("intents", "3")).isEmpty();

    byte[] other = bytes(4_000, 23);
    StoredArtifact replaced = store.put("intents", "2", other);
    assertThat(replaced.sha256()).isEqualTo(sha256(other)).isNotEqualTo(v2.sha256());
    assertThat(store.put("intents", "3", other).sha256()).isEqualTo(sha256(other));
    assertThat(store.find("intents", "2")).contains(replaced);
    assertThat(store.list("intents")).extracting(StoredArtifact::version).contains("1", "2", "3");
    assertThatThrownBy(() -> store.put("intents", "2", bytes(4_000, 24)))
        .as("a replaced record is immutable again")
        .hasMessageContaining("already holds bundle");
  }

  @Test
  void shouldRefuseAWholeDocumentThatIsNotARecordRatherThanReplaceIt() {
    raw.putObject(
        b -> b.bucket(BUCKET).key(recordKey("1")), RequestBody.fromString("{\"format\": 9}"));

    assertThatThrownBy(() -> store.find("intents", "1"))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("malformed version record");
    assertThatThrownBy(() -> store.put("intents", "1", bytes(1_000, 25)))
        .hasMessageContaining("malformed version record");
  }

  @Test
  void shouldWriteATornBlobAgainWhenTheSameBytesAreStored() {
    byte[] bundle = bytes(8_000, 26);
    StoredArtifact first = store.put("intents", "1", bundle);
    overwrite(first.uri(), Arrays.copyOf(bundle, 100));

    StoredArtifact second = store.put("intents", "2", bundle);

    assertThat(second.uri()).isEqualTo(first.uri());
    assertThat(store.read(second.uri())).isEqualTo(bundle);
  }

  /** Replaces the object behind a blob URI behind the store's back. */
  private static void overwrite(URI blob, byte[] bytes) {
    String key = blob.getPath().substring(1);
    raw.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(bytes));
  }

  private String recordKey(String version) {
    return root.getPath().substring(1) + "/models/intents/" + version + ".json";
  }

  @Test
  void shouldReportMissingAndForeignUris() {
    String absent = "0".repeat(64);
    URI missing = URI.create(root + "/blobs/sha256/00/" + absent + ".zip");

    assertThat(store.exists(missing)).isFalse();
    assertThatThrownBy(() -> store.read(missing))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("no artifact at");
    assertThatThrownBy(() -> store.read(URI.create("s3://another-bucket/x/blobs/a.zip")))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("outside the store");
    StoredArtifact stored = store.put("intents", "1", bytes(100, 10));
    assertThatThrownBy(() -> store.read(URI.create(root + "/models/intents/1.json")))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("not a bundle");
    assertThat(store.exists(stored.uri())).isTrue();
  }

  @Test
  void shouldNameTheStatusAndErrorCodeWhenTheServerRefuses() {
    try (S3ArtifactStore noBucket =
        S3ArtifactStore.create(URI.create("s3://no-such-bucket/p"), settings)) {
      assertThatThrownBy(() -> noBucket.put("intents", "1", bytes(10, 13)))
          .isInstanceOf(ArtifactStoreException.class)
          .hasMessageContaining("s3://no-such-bucket/p/")
          .hasMessageContaining("HTTP 404 NoSuchBucket");
    }
    try (S3Client unknownKey =
        S3Clients.builder(settings)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create("NOT-A-KEY", S3rverProcess.SECRET_KEY)))
            .build()) {
      assertThatThrownBy(() -> S3ArtifactStore.using(unknownKey, root).find("intents", "1"))
          .isInstanceOf(ArtifactStoreException.class)
          .hasMessageContaining("HTTP 403 InvalidAccessKeyId");
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void shouldServeABundleThroughArtifactStoresForUriByteForByte() throws Exception {
    ModelBundle bundle = tinyBundle();
    // Stored under the sha256 it was built with (no second hash here; the server checks it).
    StoredArtifact stored = store.put(bundle);
    assertThat(stored.sha256()).isEqualTo(bundle.sha256());
    assertThat(store.put("s3-demo", "1", bundle.toByteArray())).isEqualTo(stored);

    ArtifactStore viaScheme = ArtifactStores.forUri(root.toString());
    assertThat(viaScheme).isInstanceOf(S3ArtifactStore.class);
    StoredArtifact found = viaScheme.find("s3-demo", "1").orElseThrow();
    assertThat(found).isEqualTo(stored);
    assertThat(found.sha256()).isEqualTo(bundle.sha256());
    // Verified against the sha256 and parsed: what a loader gets is exactly what was built.
    ModelBundle loaded = ModelBundle.fromBytes(viaScheme.read(found.uri()), found.sha256());

    assertThat(loaded.toByteArray()).isEqualTo(bundle.toByteArray());
    assertThat(loaded.manifest()).isEqualTo(bundle.manifest());
    assertThat(loaded.tokenizer().vocabulary()).isEqualTo(bundle.tokenizer().vocabulary());
    assertThat(loaded.parameters()).isEqualTo(bundle.parameters());
  }

  /**
   * A bundle in the built-in recipes' layout, built without training (this module has no DJL): a
   * vocabulary of the examples and 300 KB of parameter bytes, which only a recipe would interpret.
   */
  private static ModelBundle tinyBundle() {
    Hyperparameters tiny =
        Hyperparameters.defaults(Architecture.BAG).withValues(Map.of("sequenceLength", "12"));
    List<Example> examples = examples();
    Tokenizer tokenizer =
        Tokenizer.build(examples.stream().map(Example::text).toList(), 1, 1000, 12);
    BundleManifest draft =
        new BundleManifest(
            ModelBundle.FORMAT,
            ModelBundle.FORMAT_VERSION,
            "s3-demo",
            "1",
            ModelBundle.TASK_TEXT_CLASSIFICATION,
            tiny.architecture().key(),
            tiny.toMap(),
            examples.stream().map(Example::label).distinct().toList(),
            null,
            null,
            null,
            Map.of("validationAccuracy", 1.0),
            new BundleManifest.Lineage(null, null, Map.of(), null, false),
            "2026-01-01T00:00:00Z",
            null,
            null,
            null,
            "cpu()");
    return ModelBundle.create(draft, tokenizer, bytes(300_000, 5));
  }

  private static List<Example> examples() {
    String[][] words = {
      {"dog", "cat", "horse", "bird", "fish", "fur", "paws", "tail"},
      {"car", "engine", "wheel", "road", "truck", "brake", "fuel", "motor"},
      {"bread", "cheese", "apple", "soup", "cake", "sugar", "meal", "cook"}
    };
    String[] labels = {"animal", "vehicle", "food"};
    Random random = new Random(11);
    List<Example> out = new ArrayList<>();
    for (int l = 0; l < labels.length; l++) {
      for (int i = 0; i < 30; i++) {
        StringBuilder text = new StringBuilder("a");
        for (int k = 0; k < 4; k++) {
          text.append(' ').append(words[l][random.nextInt(words[l].length)]);
        }
        out.add(new Example(labels[l] + "-" + i, text.toString(), labels[l]));
      }
    }
    return out;
  }

  private static byte[] bytes(int size, int seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
