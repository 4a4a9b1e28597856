package dev.flywheel.slm.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import dev.flywheel.artifacts.s3.S3rverProcess;
import dev.flywheel.slm.store.FileArtifactStore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * A user's BERT directory in an S3 bucket ({@code s3://bucket/path/}), on a real S3-compatible
 * server: checked as the gateway checks it, converted as the trainer converts it, and converted
 * again only once a file changes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BaseModelFromS3IT {
  private static final String BUCKET = "user-models";

  @TempDir Path dir;

  @AfterEach
  void clearSettings() {
    System.clearProperty("flywheel.s3.endpoint");
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  @Test
  void shouldCheckConvertAndReconvertADirectoryReadFromS3() throws Exception {
    Path local = TinyBert.write(dir.resolve("tiny-s3"));
    try (S3rverProcess server = S3rverProcess.start(dir.resolve("s3"), BUCKET);
        S3Client client = client(server.endpoint())) {
      System.setProperty("flywheel.s3.endpoint", server.endpoint().toString());
      System.setProperty("aws.accessKeyId", S3rverProcess.ACCESS_KEY);
      System.setProperty("aws.secretAccessKey", S3rverProcess.SECRET_KEY);
      for (String file : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) {
        put(client, "bert/tiny-s3/" + file, Files.readAllBytes(local.resolve(file)));
      }
      String uri = "s3://" + BUCKET + "/bert/tiny-s3/";

      assertThat(BaseModels.directoryProblems(uri)).isEmpty();
      BaseModels catalogue = new BaseModels(new FileArtifactStore(dir.resolve("store")));
      BaseModel fromS3 = catalogue.resolve(uri);
      BaseModel fromFile =
          new BaseModels(new FileArtifactStore(dir.resolve("other")))
              .fromDirectory("tiny-s3", local.toUri(), "MIT");
      assertThat(fromS3.card().name()).isEqualTo("tiny-s3");
      assertThat(fromS3.card().source()).isEqualTo(uri);
      assertThat(fromS3.weights().get("embeddings.word_embeddings.weight").data())
          .isEqualTo(fromFile.weights().get("embeddings.word_embeddings.weight").data());
      assertThat(catalogue.resolve(uri)).as("unchanged files: converted once").isSameAs(fromS3);

      byte[] weights = Files.readAllBytes(local.resolve("model.safetensors"));
      put(client, "bert/tiny-s3/model.safetensors", Arrays.copyOf(weights, weights.length - 1000));
      assertThat(BaseModels.directoryProblems(uri))
          .singleElement(STRING)
          .contains("truncated safetensors file");
      client.deleteObject(b -> b.bucket(BUCKET).key("bert/tiny-s3/tokenizer.json"));
      assertThat(BaseModels.directoryProblems(uri))
          .singleElement(STRING)
          .contains("has no tokenizer.json");
    }
  }

  private static S3Client client(URI endpoint) {
    return S3Client.builder()
        .endpointOverride(endpoint)
        .region(Region.US_EAST_1)
        // s3rver stores aws-chunked bodies undecoded: send plain ones, as the S3 store does.
        .serviceConfiguration(
            S3Configuration.builder()
                .pathStyleAccessEnabled(true)
                .chunkedEncodingEnabled(false)
                .build())
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create(S3rverProcess.ACCESS_KEY, S3rverProcess.SECRET_KEY)))
        .build();
  }

  private static void put(S3Client client, String key, byte[] bytes) {
    client.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(bytes));
  }
}
