package dev.flywheel.artifacts.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.slm.store.ArtifactStoreException;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class S3LocationTest {
  private static final String SHA = "ab" + "0123456789abcdef".repeat(3) + "0123456789abcd";

  @Test
  void shouldParseBucketAndPrefixWithTrailingSlash() {
    S3Location location = S3Location.parse(URI.create("s3://flywheel-artifacts/team-a/prod"));

    assertThat(location.bucket()).isEqualTo("flywheel-artifacts");
    assertThat(location.prefix()).isEqualTo("team-a/prod/");
    assertThat(location.root()).isEqualTo(URI.create("s3://flywheel-artifacts/team-a/prod/"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"s3://bucket", "s3://bucket/", "S3://bucket//"})
  void shouldUseAnEmptyPrefixForABareBucket(String root) {
    S3Location location = S3Location.parse(URI.create(root));

    assertThat(location.bucket()).isEqualTo("bucket");
    assertThat(location.prefix()).isEmpty();
    assertThat(location.blobKey(SHA)).isEqualTo("blobs/sha256/ab/" + SHA + ".zip");
  }

  @Test
  void shouldCollapseRepeatedSlashesInThePrefix() {
    assertThat(S3Location.parse(URI.create("s3://bucket//a///b/")).prefix()).isEqualTo("a/b/");
  }

  @Test
  void shouldLayOutBlobsAndVersionRecordsLikeTheFileStore() {
    S3Location location = S3Location.parse(URI.create("s3://bucket/p"));

    assertThat(location.blobKey(SHA)).isEqualTo("p/blobs/sha256/ab/" + SHA + ".zip");
    assertThat(location.recordKey("support-intents", "7"))
        .isEqualTo("p/models/support-intents/7.json");
    assertThat(location.recordsPrefix("support-intents")).isEqualTo("p/models/support-intents/");
    assertThat(location.uriOf(location.blobKey(SHA)))
        .isEqualTo(URI.create("s3://bucket/p/blobs/sha256/ab/" + SHA + ".zip"));
  }

  @Test
  void shouldMapItsOwnUrisBackToKeysAndShaOfBlobs() {
    S3Location location = S3Location.parse(URI.create("s3://bucket/p"));
    URI uri = location.uriOf(location.blobKey(SHA));

    String key = location.keyOf(uri);

    assertThat(key).isEqualTo(location.blobKey(SHA));
    assertThat(location.sha256OfBlobKey(key)).contains(SHA);
    assertThat(location.sha256OfBlobKey(location.recordKey("m", "1"))).isEmpty();
    assertThat(location.sha256OfBlobKey("p/blobs/sha256/cd/" + SHA + ".zip"))
        .as("directory must be the sha's first two digits")
        .isEmpty();
    assertThat(location.sha256OfBlobKey("p/blobs/sha256/AB/" + SHA.toUpperCase() + ".zip"))
        .isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "s3://other/p/blobs/x.zip",
        "s3://bucket/q/blobs/x.zip",
        "s3://bucket/pp/blobs/x.zip",
        "file:/bucket/p/blobs/x.zip",
        "s3://bucket/p/blobs/x.zip?versionId=1"
      })
  void shouldRefuseUrisOutsideTheStore(String uri) {
    S3Location location = S3Location.parse(URI.create("s3://bucket/p"));

    assertThatThrownBy(() -> location.keyOf(URI.create(uri)))
        .isInstanceOf(ArtifactStoreException.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "file:/tmp/x",
        "s3:bucket",
        "s3:///prefix",
        "s3://Bucket_With_Upper",
        "s3://ab",
        "s3://bucket/p?endpoint=http://localhost",
        "s3://bucket/p#f",
        "s3://bucket/../etc",
        "s3://bucket/a%20b",
        "s3://user@bucket/p",
        "s3://bucket:9000/p"
      })
  void shouldRefuseInvalidRoots(String root) {
    assertThatThrownBy(() -> S3Location.parse(URI.create(root)))
        .isInstanceOf(ArtifactStoreException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "../x", "a/b", ".hidden", "with space"})
  void shouldRefuseUnsafeModelNamesAndVersions(String name) {
    S3Location location = S3Location.parse(URI.create("s3://bucket"));

    assertThatThrownBy(() -> location.recordKey(name, "1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> location.recordKey("model", name))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
