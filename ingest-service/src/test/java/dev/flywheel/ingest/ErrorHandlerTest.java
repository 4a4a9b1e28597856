package dev.flywheel.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.common.error.ValidationError;
import io.vertx.core.Vertx;
import io.vertx.json.schema.JsonSchemaValidationException;
import io.vertx.json.schema.OutputErrorType;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.validation.SchemaValidationException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The gateway's one match on message text: the parameter Vert.x names in its contract failure,
 * shown on messages that Vert.x builds for a parameter of our own contract.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorHandlerTest {
  private Vertx vertx;
  private OpenAPIContract contract;

  @BeforeAll
  void loadContract() throws Exception {
    vertx = Vertx.vertx();
    contract =
        OpenAPIContract.from(vertx, HttpApi.CONTRACT)
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  void closeVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void shouldNameTheParameterAndTheReasonOfAVertxParameterFailure() {
    Parameter samples =
        contract.operation("getModelActivity").getParameters().stream()
            .filter(p -> p.getName().equals("samples"))
            .findFirst()
            .orElseThrow();
    String error = "Value 5000 is greater than 2000";
    SchemaValidationException failure =
        SchemaValidationException.createInvalidValueParameter(
            samples,
            new OutputUnit(false)
                .addError(
                    new OutputUnit(
                        "#", "#/maximum", "#/maximum", error, OutputErrorType.INVALID_VALUE)),
            new JsonSchemaValidationException(error, null, "#", OutputErrorType.INVALID_VALUE));

    ValidationError found = ErrorHandler.parameterError(failure.getMessage()).orElseThrow();

    assertThat(found.field()).isEqualTo("samples");
    assertThat(found.message()).endsWith(error).doesNotContain("Reason:");
  }

  @Test
  void shouldLeaveABodyFailureToTheSchemaErrors() {
    assertThat(
            ErrorHandler.parameterError(
                "The value of the request body is invalid. Reason: Instance type object is"
                    + " invalid. Expected array"))
        .isEmpty();
    assertThat(ErrorHandler.parameterError(null)).isEmpty();
  }
}
