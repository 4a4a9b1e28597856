package dev.flywheel.artifacts.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.slm.store.ArtifactStoreProvider;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class S3ArtifactStoreProviderTest {

  @Test
  void shouldBeFoundByServiceLoaderForTheS3Scheme() {
    assertThat(ServiceLoader.load(ArtifactStoreProvider.class))
        .filteredOn(p -> p.scheme().equals("s3"))
        .singleElement()
        .isInstanceOf(S3ArtifactStoreProvider.class);
  }
}
