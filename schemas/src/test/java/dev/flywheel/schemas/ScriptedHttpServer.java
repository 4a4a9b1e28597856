package dev.flywheel.schemas;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP server that answers with scripted status codes and bodies and records what it was sent.
 * It checks the client's side of the protocol (headers, retries, error mapping) in unit tests,
 * where no real registry can be made to fail on cue; the integration tests use the real embedded
 * registry.
 */
final class ScriptedHttpServer implements AutoCloseable {
  /** One answer: status and JSON body. */
  record Answer(int status, String body) {}

  /** One request as received. */
  record Received(
      String method, String path, String contentType, String authorization, String body) {}

  private final HttpServer server;
  private final Deque<Answer> script = new ArrayDeque<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private Answer fallback = new Answer(500, "{\"error_code\":50001,\"message\":\"unscripted\"}");

  ScriptedHttpServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  synchronized ScriptedHttpServer then(int status, String body) {
    script.addLast(new Answer(status, body));
    return this;
  }

  /** The answer once the script has run out. */
  synchronized ScriptedHttpServer always(int status, String body) {
    fallback = new Answer(status, body);
    return this;
  }

  List<Received> received() {
    return List.copyOf(received);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    received.add(
        new Received(
            exchange.getRequestMethod(),
            exchange.getRequestURI().getRawPath(),
            exchange.getRequestHeaders().getFirst("Content-Type"),
            exchange.getRequestHeaders().getFirst("Authorization"),
            body));
    Answer answer;
    synchronized (this) {
      answer = script.isEmpty() ? fallback : script.removeFirst();
    }
    byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", SchemaRegistryClient.CONTENT_TYPE);
    exchange.sendResponseHeaders(answer.status(), bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
