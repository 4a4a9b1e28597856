package dev.flywheel.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.common.error.ValidationError;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The precompiled body checks of the hot operations agree exactly with the contract. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContractValidationTest {
  private Vertx vertx;
  private ContractValidation validation;

  @BeforeAll
  void compile() throws Exception {
    vertx = Vertx.vertx();
    OpenAPIContract contract =
        OpenAPIContract.from(vertx, HttpApi.CONTRACT)
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    Map<String, String> operations = new LinkedHashMap<>();
    operations.put("postFeedback", "#/components/schemas/FeedbackItem");
    operations.put("postExamples", "#/components/schemas/ExampleItem");
    operations.put("predict", null);
    validation = new ContractValidation(contract, operations);
  }

  @AfterAll
  void closeVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void shouldCompileAFastBodyCheckForFeedbackAndExamples() {
    assertThat(validation.fastBody("postFeedback")).isPresent();
    assertThat(validation.fastBody("postExamples")).isPresent();
    assertThat(validation.fastBody("predict")).isEmpty();
  }

  @Test
  void shouldAcceptExactlyTheBodiesTheContractAccepts() {
    JsonObject valid = new JsonObject().put("kind", "thumbs_up").put("prediction_id", "p");
    JsonObject invalid = new JsonObject().put("kind", "meh").put("prediction_id", "p");
    List<Object> bodies =
        List.of(
            valid,
            invalid,
            new JsonArray().add(valid),
            new JsonArray().add(valid).add(invalid),
            new JsonArray(),
            new JsonArray(Collections.nCopies(500, valid)),
            new JsonArray(Collections.nCopies(501, valid)),
            new JsonArray().add(valid).add(1),
            new JsonArray().add(new JsonArray()),
            "text",
            5);
    Predicate<Object> fast = validation.fastBody("postFeedback").orElseThrow();
    for (Object body : bodies) {
      boolean contract =
          Boolean.TRUE.equals(validation.bodyValidator("postFeedback").validate(body).getValid());
      assertThat(fast.test(body)).as("%s", body).isEqualTo(contract);
    }
  }

  @Test
  void shouldNameAMissingRequiredPropertyFromTheValidatorsOwnMessage() {
    JsonObject withoutPrediction = new JsonObject().put("kind", "thumbs_up");

    List<ValidationError> errors =
        SchemaErrors.fieldErrors(
            validation.bodyValidator("postFeedback").validate(withoutPrediction), "");

    assertThat(errors).contains(new ValidationError("prediction_id", "is required"));
  }
}
