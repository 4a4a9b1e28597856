package dev.flywheel.common.error;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErrorResponseTest {
  @Test
  void shouldRenderTheOneErrorShape() {
    ErrorResponse error =
        new ErrorResponse(
            400,
            "invalid feedback",
            List.of(new ValidationError("events[0].kind", "unknown kind 'meh'")));

    assertThat(error.toJson())
        .isEqualTo(
            "{\"error_code\":400,\"message\":\"invalid feedback\",\"validation_errors\":"
                + "[{\"field\":\"events[0].kind\",\"message\":\"unknown kind 'meh'\"}]}");
    assertThat(new JsonObject(error.toJson())).isEqualTo(error.toJsonObject());
  }

  @Test
  void shouldAlwaysCarryTheValidationErrorsArray() {
    assertThat(ErrorResponse.of(404, "no such model").toJson())
        .isEqualTo("{\"error_code\":404,\"message\":\"no such model\",\"validation_errors\":[]}");
    assertThat(new ErrorResponse(503, "x", null).validationErrors()).isEmpty();
  }

  @Test
  void shouldParseWhatItRenders() {
    ErrorResponse error =
        new ErrorResponse(422, "unknown model", List.of(new ValidationError("model", "no such")));

    assertThat(ErrorResponse.fromJson(error.toJson())).isEqualTo(error);
  }

  @Test
  void shouldRoundRetryAfterUpToWholeSeconds() {
    assertThat(HttpErrors.retryAfterSeconds(Duration.ofMillis(1))).isEqualTo("1");
    assertThat(HttpErrors.retryAfterSeconds(Duration.ofSeconds(5))).isEqualTo("5");
    assertThat(HttpErrors.retryAfterSeconds(Duration.ofMillis(5001))).isEqualTo("6");
    assertThat(HttpErrors.retryAfterSeconds(Duration.ZERO)).isEqualTo("0");
  }
}
