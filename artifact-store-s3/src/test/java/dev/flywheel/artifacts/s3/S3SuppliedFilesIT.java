package dev.flywheel.artifacts.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.slm.store.ArtifactStoreException;
import dev.flywheel.slm.store.ArtifactStores;
import dev.flywheel.slm.store.SuppliedFiles;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Files that users put in a bucket (a base model's directory), read through {@code
 * ArtifactStores.suppliedFiles} as the encoder recipe does, from a real S3-compatible server.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class S3SuppliedFilesIT {
  private static final String BUCKET = "flywheel-supplied";

  @TempDir static Path workDir;

  private static S3rverProcess server;
  private static S3Client raw;

  @BeforeAll
  static void startServer() throws IOException {
    server = S3rverProcess.start(workDir);
    System.setProperty("aws.accessKeyId", S3rverProcess.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", S3rverProcess.SECRET_KEY);
    System.setProperty(S3Settings.ENDPOINT_PROPERTY, server.endpoint().toString());
    raw =
        S3Clients.create(
            S3Settings.DEFAULTS.withEndpoint(server.endpoint()).withRegion("us-east-1"));
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

  @Test
  void shouldReadAFileAndStampItUntilItChanges() {
    String key = "models/tiny-" + UUID.randomUUID() + "/config.json";
    URI file = URI.create("s3://" + BUCKET + "/" + key);
    SuppliedFiles files = ArtifactStores.suppliedFiles(file);

    assertThat(files.stamp(file)).isEmpty();
    put(key, "{\"model_type\":\"bert\"}");
    SuppliedFiles.Stamp first = files.stamp(file).orElseThrow();
    assertThat(first.size()).isEqualTo(21);
    assertThat(new String(files.read(file, 1024), StandardCharsets.UTF_8))
        .isEqualTo("{\"model_type\":\"bert\"}");
    assertThat(new String(files.readStart(file, 2), StandardCharsets.UTF_8)).isEqualTo("{\"");
    assertThat(files.readStart(file, 1000)).hasSize(21);
    assertThat(files.stamp(file)).contains(first);

    put(key, "{\"model_type\":\"roberta\"}");
    assertThat(files.stamp(file)).isPresent().get().isNotEqualTo(first);
  }

  @Test
  void shouldRefuseMissingOversizedAndMalformedFiles() {
    String key = "models/big-" + UUID.randomUUID() + "/model.safetensors";
    put(key, "0123456789");
    SuppliedFiles files = ArtifactStores.suppliedFiles(URI.create("s3://" + BUCKET));

    assertThatThrownBy(() -> files.read(URI.create("s3://" + BUCKET + "/" + key), 9))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("larger than the 9 bytes");
    assertThatThrownBy(() -> files.read(URI.create("s3://" + BUCKET + "/nothing/here.json"), 9))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("no file at s3://" + BUCKET + "/nothing/here.json");
    assertThatThrownBy(() -> files.stamp(URI.create("s3://" + BUCKET + "/a/../b.json")))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("key segment");
    assertThatThrownBy(() -> files.stamp(URI.create("s3://user@" + BUCKET + ":9000/a.json")))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("not an S3 bucket name");
    assertThatThrownBy(() -> files.stamp(URI.create("s3://" + BUCKET + "/a.json?versionId=1")))
        .isInstanceOf(ArtifactStoreException.class)
        .hasMessageContaining("no query");
  }

  private static void put(String key, String content) {
    raw.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString(content));
  }
}
