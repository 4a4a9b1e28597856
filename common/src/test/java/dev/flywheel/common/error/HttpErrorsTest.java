package dev.flywheel.common.error;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(20)
class HttpErrorsTest {
  private static Vertx vertx;
  private static HttpServer server;
  private static WebClient client;

  @BeforeAll
  static void startServer() throws Exception {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    List<ValidationError> field = List.of(new ValidationError("text", "too long"));
    router.get("/400").handler(ctx -> HttpErrors.badRequest(ctx.response(), "bad", field));
    router.get("/401").handler(ctx -> HttpErrors.unauthorized(ctx.response(), "no key"));
    router.get("/403").handler(ctx -> HttpErrors.forbidden(ctx.response(), "not yours"));
    router.get("/404").handler(ctx -> HttpErrors.notFound(ctx.response(), "no model"));
    router.get("/413").handler(ctx -> HttpErrors.payloadTooLarge(ctx.response(), "too big"));
    router.get("/415").handler(ctx -> HttpErrors.unsupportedMediaType(ctx.response(), "json only"));
    router.get("/422").handler(ctx -> HttpErrors.unprocessable(ctx.response(), "unknown", field));
    router
        .get("/429")
        .handler(
            ctx -> HttpErrors.tooManyRequests(ctx.response(), "slow down", Duration.ofSeconds(2)));
    router
        .get("/503")
        .handler(
            ctx ->
                HttpErrors.serviceUnavailable(
                    ctx.response(), "kafka unreachable", Duration.ofMillis(1500)));
    router
        .post("/small")
        .handler(BodyHandler.create().setBodyLimit(10))
        .handler(ctx -> ctx.response().end("ok"));
    router
        .get("/boom")
        .handler(
            ctx -> {
              throw new IllegalStateException("internal detail");
            });
    HttpErrors.installDefaults(router);
    server =
        vertx
            .createHttpServer()
            .requestHandler(router)
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    client = WebClient.create(vertx);
  }

  @AfterAll
  static void stopServer() throws Exception {
    client.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void shouldAnswerTheRoutersOwnFailuresWithTheShape() throws Exception {
    HttpResponse<Buffer> tooLarge =
        client
            .post(server.actualPort(), "127.0.0.1", "/small")
            .sendBuffer(Buffer.buffer("x".repeat(100)))
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    HttpResponse<Buffer> unknown = get("/missing");
    HttpResponse<Buffer> boom = get("/boom");

    assertThat(tooLarge.statusCode()).isEqualTo(413);
    assertThat(ErrorResponse.fromJson(tooLarge.bodyAsString()))
        .isEqualTo(ErrorResponse.of(413, "request body too large"));
    assertThat(ErrorResponse.fromJson(unknown.bodyAsString()))
        .isEqualTo(ErrorResponse.of(404, "no such route: /missing"));
    assertThat(boom.statusCode()).isEqualTo(500);
    assertThat(boom.bodyAsString()).doesNotContain("internal detail");
    assertThat(ErrorResponse.fromJson(boom.bodyAsString()).message()).isEqualTo("internal error");
  }

  private static HttpResponse<Buffer> get(String path) throws Exception {
    return client
        .get(server.actualPort(), "127.0.0.1", path)
        .send()
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "400, bad, 1, ",
    "401, no key, 0, ",
    "403, not yours, 0, ",
    "404, no model, 0, ",
    "413, too big, 0, ",
    "415, json only, 0, ",
    "422, unknown, 1, ",
    "429, slow down, 0, 2",
    "503, kafka unreachable, 0, 2"
  })
  void shouldAnswerWithTheStatusTheShapeAndRetryAfter(
      int status, String message, int fieldErrors, String retryAfter) throws Exception {
    HttpResponse<Buffer> response = get("/" + status);

    ErrorResponse body = ErrorResponse.fromJson(response.bodyAsString());
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).isEqualTo(HttpErrors.CONTENT_TYPE);
    assertThat(body.errorCode()).isEqualTo(status);
    assertThat(body.message()).isEqualTo(message);
    assertThat(body.validationErrors()).hasSize(fieldErrors);
    assertThat(response.getHeader("Retry-After")).isEqualTo(retryAfter);
  }
}
