package dev.flywheel.artifacts.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

class S3SettingsTest {

  @Test
  void shouldDefaultToTheSdkEndpointAndRegionWithPathStyle() {
    S3Settings settings = S3Settings.from(k -> null, k -> null);

    assertThat(settings).isEqualTo(S3Settings.DEFAULTS);
    assertThat(settings.endpoint()).isNull();
    assertThat(settings.region()).isNull();
    assertThat(settings.pathStyle()).isTrue();
  }

  @Test
  void shouldReadTheEnvironment() {
    Map<String, String> env =
        Map.of(
            "FLYWHEEL_S3_ENDPOINT", "http://minio:9000",
            "FLYWHEEL_S3_REGION", "eu-west-1",
            "FLYWHEEL_S3_PATH_STYLE", "false");

    S3Settings settings = S3Settings.from(k -> null, env::get);

    assertThat(settings.endpoint()).isEqualTo(URI.create("http://minio:9000"));
    assertThat(settings.region()).isEqualTo("eu-west-1");
    assertThat(settings.pathStyle()).isFalse();
  }

  @Test
  void shouldPreferSystemPropertiesOverTheEnvironment() {
    Map<String, String> properties = Map.of("flywheel.s3.endpoint", "https://s3.example.com");
    Map<String, String> env = Map.of("FLYWHEEL_S3_ENDPOINT", "http://minio:9000");

    S3Settings settings = S3Settings.from(properties::get, env::get);

    assertThat(settings.endpoint()).isEqualTo(URI.create("https://s3.example.com"));
  }

  @Test
  void shouldListEveryInvalidValueAtOnce() {
    Map<String, String> env =
        Map.of("FLYWHEEL_S3_ENDPOINT", "minio:9000", "FLYWHEEL_S3_PATH_STYLE", "yes");

    assertThatThrownBy(() -> S3Settings.from(k -> null, env::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("FLYWHEEL_S3_ENDPOINT")
        .hasMessageContaining("FLYWHEEL_S3_PATH_STYLE");
  }

  @Test
  void shouldPreferTheExplicitRegion() {
    S3Settings minio = S3Settings.DEFAULTS.withEndpoint(URI.create("http://localhost:9000"));

    assertThat(S3Clients.region(minio.withRegion("eu-central-1"), () -> Region.EU_WEST_2))
        .isEqualTo(Region.EU_CENTRAL_1);
  }

  @Test
  void shouldTakeTheSdkRegionElseUsEast1ForACustomEndpoint() {
    S3Settings minio = S3Settings.DEFAULTS.withEndpoint(URI.create("http://localhost:9000"));

    assertThat(S3Clients.region(minio, () -> Region.EU_WEST_2)).isEqualTo(Region.EU_WEST_2);
    assertThat(S3Clients.region(minio, () -> null)).isEqualTo(Region.US_EAST_1);
  }

  @Test
  void shouldLeaveTheRegionToTheSdkChainForAws() {
    assertThat(S3Clients.region(S3Settings.DEFAULTS, () -> Region.EU_WEST_2)).isNull();
  }
}
