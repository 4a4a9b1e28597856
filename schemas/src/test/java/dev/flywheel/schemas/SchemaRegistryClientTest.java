package dev.flywheel.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.events.ModelRef;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.common.errors.InterruptException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client's side of the protocol: headers, retries, error mapping, caching. */
class SchemaRegistryClientTest {
  private ScriptedHttpServer server;

  @BeforeEach
  void start() throws Exception {
    server = new ScriptedHttpServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private SchemaRegistryClient client(int retries) {
    return new SchemaRegistryClient(
        RegistryConfig.of(server.url()).withRetries(retries, Duration.ofMillis(10)));
  }

  @Test
  void shouldSendTheRegistryContentTypeAndBasicAuth() {
    server.then(200, "{\"id\":5}");
    try (SchemaRegistryClient client =
        new SchemaRegistryClient(RegistryConfig.of(server.url()).withBasicAuth("user:pa:ss"))) {
      assertThat(client.register("s", ModelRef.getClassSchema())).isEqualTo(5);
    }
    ScriptedHttpServer.Received request = server.received().get(0);
    assertThat(request.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
    assertThat(request.authorization()).isEqualTo("Basic dXNlcjpwYTpzcw==");
    assertThat(request.body()).contains("\"schema\"").contains("ModelRef");
  }

  @Test
  void shouldRetryServerErrorsAndThenSucceed() {
    server
        .then(503, "{\"error_code\":50301,\"message\":\"busy\"}")
        .then(500, "oops")
        .then(200, "{\"id\":9}");
    try (SchemaRegistryClient client = client(3)) {
      assertThat(client.register("s", ModelRef.getClassSchema())).isEqualTo(9);
    }
    assertThat(server.received()).hasSize(3);
  }

  @Test
  void shouldGiveUpAfterTheBoundedRetries() {
    server.always(503, "{\"error_code\":50301,\"message\":\"busy\"}");
    try (SchemaRegistryClient client = client(2)) {
      assertThatThrownBy(() -> client.subjects())
          .isInstanceOfSatisfying(
              SchemaRegistryException.class,
              e -> {
                assertThat(e.httpStatus()).isEqualTo(503);
                assertThat(e.errorCode()).isEqualTo(50301);
              });
    }
    assertThat(server.received()).hasSize(3);
  }

  @Test
  void shouldNeverRetryClientErrors() {
    server.always(422, "{\"error_code\":42201,\"message\":\"Invalid schema\"}");
    try (SchemaRegistryClient client = client(5)) {
      assertThatThrownBy(() -> client.register("s", ModelRef.getClassSchema()))
          .isInstanceOfSatisfying(
              SchemaRegistryException.class,
              e -> {
                assertThat(e.errorCode()).isEqualTo(42201);
                assertThat(e.httpStatus()).isEqualTo(422);
              })
          .hasMessageContaining("Invalid schema")
          .hasMessageContaining("subject s");
    }
    assertThat(server.received()).hasSize(1);
  }

  @Test
  void shouldRetryConnectionErrorsAndReportThemWithoutStatus() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    RegistryConfig config =
        RegistryConfig.of("http://127.0.0.1:" + closedPort).withRetries(2, Duration.ofMillis(5));
    try (SchemaRegistryClient client = new SchemaRegistryClient(config)) {
      assertThatThrownBy(client::subjects)
          .isInstanceOfSatisfying(
              SchemaRegistryException.class, e -> assertThat(e.httpStatus()).isEqualTo(-1))
          .hasMessageContaining("cannot be reached");
    }
  }

  @Test
  void shouldFailOverToTheNextUrlOfAList() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    server.then(200, "[\"a-value\"]");
    RegistryConfig config =
        RegistryConfig.of("http://127.0.0.1:" + closedPort + "," + server.url())
            .withRetries(1, Duration.ofMillis(5));
    try (SchemaRegistryClient client = new SchemaRegistryClient(config)) {
      assertThat(client.subjects()).containsExactly("a-value");
    }
  }

  @Test
  void shouldAnswerEmptyForAnUnknownSubject() {
    server.always(404, "{\"error_code\":40401,\"message\":\"Subject 'x' not found.\"}");
    try (SchemaRegistryClient client = client(3)) {
      assertThat(client.latest("x")).isEmpty();
      assertThat(client.lookup("x", ModelRef.getClassSchema())).isEmpty();
      assertThat(client.isCompatible("x", ModelRef.getClassSchema())).isTrue();
    }
    assertThat(server.received()).hasSize(3);
  }

  @Test
  void shouldParseTheLatestVersion() {
    server.then(
        200,
        "{\"subject\":\"m-value\",\"version\":2,\"id\":12,\"schema\":"
            + quote(ModelRef.getClassSchema().toString())
            + "}");
    try (SchemaRegistryClient client = client(0)) {
      Optional<RegisteredSchema> latest = client.latest("m-value");
      assertThat(latest)
          .hasValueSatisfying(
              r -> {
                assertThat(r.version()).isEqualTo(2);
                assertThat(r.id()).isEqualTo(12);
                assertThat(r.schema()).isEqualTo(ModelRef.getClassSchema());
              });
    }
    assertThat(server.received().get(0).path()).isEqualTo("/subjects/m-value/versions/latest");
  }

  @Test
  void shouldReadTheCompatibilityVerdict() {
    server.then(200, "{\"is_compatible\":false}");
    try (SchemaRegistryClient client = client(0)) {
      assertThat(client.isCompatible("m-value", ModelRef.getClassSchema())).isFalse();
    }
    assertThat(server.received().get(0).path())
        .isEqualTo("/compatibility/subjects/m-value/versions/latest");
  }

  @Test
  void shouldCacheSchemasByIdAndIdsBySubjectAndSchema() {
    server.then(200, "{\"schema\":" + quote(ModelRef.getClassSchema().toString()) + "}");
    server.then(200, "{\"id\":4}");
    try (SchemaRegistryClient client = client(0)) {
      for (int i = 0; i < 10; i++) {
        assertThat(client.getById(4)).isEqualTo(ModelRef.getClassSchema());
        assertThat(client.register("m-value", ModelRef.getClassSchema())).isEqualTo(4);
        assertThat(client.idOf("m-value", ModelRef.getClassSchema())).contains(4);
      }
    }
    assertThat(server.received()).hasSize(2);
  }

  @Test
  void shouldKeepTheInterruptFlagWhenInterrupted() {
    server.always(503, "{\"error_code\":50301,\"message\":\"busy\"}");
    try (SchemaRegistryClient client =
        new SchemaRegistryClient(
            RegistryConfig.of(server.url()).withRetries(3, Duration.ofSeconds(30)))) {
      Thread.currentThread().interrupt();
      assertThatThrownBy(client::subjects).isInstanceOf(InterruptException.class);
      assertThat(Thread.interrupted()).isTrue();
    }
  }

  @Test
  void shouldNeverPrintThePassword() {
    assertThat(RegistryConfig.of("http://r").withBasicAuth("fly:secret").toString())
        .contains("fly:***")
        .doesNotContain("secret");
  }

  private static String quote(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
