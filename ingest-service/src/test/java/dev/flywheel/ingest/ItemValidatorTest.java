package dev.flywheel.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.OpenAPIContract;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The fast item check is compiled from the real contract and agrees with the full validator. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ItemValidatorTest {
  private static final String FEEDBACK = "#/components/schemas/FeedbackItem";
  private static final String EXAMPLE = "#/components/schemas/ExampleItem";

  private Vertx vertx;
  private SchemaRepository repository;

  @BeforeAll
  void loadContract() throws Exception {
    vertx = Vertx.vertx();
    OpenAPIContract contract =
        OpenAPIContract.from(vertx, HttpApi.CONTRACT)
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    repository = contract.getSchemaRepository();
  }

  @AfterAll
  void closeVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void shouldCompileAFastPathForBothItemSchemas() {
    assertThat(ItemValidator.of(repository, FEEDBACK).hasFastPath()).isTrue();
    assertThat(ItemValidator.of(repository, EXAMPLE).hasFastPath()).isTrue();
  }

  @Test
  void shouldAcceptExactlyWhatTheContractAccepts() {
    List<Object> feedback =
        List.of(
            new JsonObject().put("kind", "thumbs_up").put("prediction_id", "p"),
            new JsonObject().put("kind", "correction").put("prediction_id", "p").put("label", "x"),
            new JsonObject().put("kind", "comment").put("prediction_id", "p").put("comment", "ok"),
            new JsonObject()
                .put("kind", "thumbs_up")
                .put("prediction_id", "p")
                .put("idempotency_id", "i"),
            new JsonObject().put("kind", "THUMBS_UP").put("prediction_id", "p"),
            new JsonObject().put("kind", "thumbs_up"),
            new JsonObject().put("kind", 3).put("prediction_id", "p"),
            new JsonObject().put("kind", "thumbs_up").put("prediction_id", ""),
            new JsonObject().put("kind", "thumbs_up").put("prediction_id", "p").put("app", "x"),
            new JsonObject().put("kind", "thumbs_up").put("prediction_id", "p").putNull("label"),
            new JsonObject()
                .put("kind", "thumbs_up")
                .put("prediction_id", "p")
                .put("label", "l".repeat(101)),
            "not an object");
    List<Object> examples =
        List.of(
            new JsonObject().put("text", "a dog").put("label", "animal"),
            new JsonObject().put("text", "😀".repeat(2000)).put("label", "animal"),
            new JsonObject().put("text", "😀".repeat(2001)).put("label", "animal"),
            new JsonObject().put("text", "x".repeat(2001)).put("label", "animal"),
            new JsonObject().put("text", "").put("label", "animal"),
            new JsonObject().put("text", "a dog"),
            new JsonObject().put("text", 5).put("label", "animal"));
    agree(FEEDBACK, feedback);
    agree(EXAMPLE, examples);
  }

  private void agree(String pointer, List<Object> items) {
    FlatObjectCheck fast = FlatObjectCheck.compile(repository, pointer).orElseThrow();
    ItemValidator validator = ItemValidator.of(repository, pointer);
    Validator full = repository.validator(pointer);
    for (Object item : items) {
      boolean contract = Boolean.TRUE.equals(full.validate(item).getValid());
      assertThat(fast.accepts(item)).as("fast check of %s", item).isEqualTo(contract);
      assertThat(validator.problems(item, "").isEmpty()).as("%s", item).isEqualTo(contract);
    }
  }
}
