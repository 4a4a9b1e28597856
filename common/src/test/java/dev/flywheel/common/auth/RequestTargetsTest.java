package dev.flywheel.common.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestTargetsTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "/",
        "/v1/models",
        "/v1/models/support-2/versions/12/bundle",
        "/v1/releases/stream",
        "/a.b_c~d-e"
      })
  void shouldAcceptCanonicalPaths(String path) {
    assertThat(RequestTargets.problem(path)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "*",
        "v1/models",
        "//v1/models",
        "/v1//models",
        "/v1/models/",
        "/v1/models//",
        "/v1/./models",
        "/v1/x/../models",
        "/v1/models/.",
        "/v1/models/..",
        "/./v1/models",
        "/v1/%6dodels",
        "/v1/models%2fx",
        "/v1/models%2Fx",
        "/v1/models;a=b",
        "/v1/models;",
        "/V1/models",
        "/v1/Models",
        "/v1/models\\x",
        "/v1/models/\u00e9",
        "/v1/models/a b",
        "/v1/models/a+b",
        "/v1/models/a@b"
      })
  void shouldRefuseEveryOtherSpellingWithAReason(String path) {
    assertThat(RequestTargets.problem(path)).isPresent().get().asString().isNotBlank();
  }

  @org.junit.jupiter.api.Test
  void shouldRefuseOverlongPaths() {
    assertThat(RequestTargets.problem("/" + "a".repeat(RequestTargets.MAX_PATH_LENGTH)))
        .hasValueSatisfying(reason -> assertThat(reason).contains("longer"));
  }
}
