package dev.flywheel.platform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A small JSON client for the gateway's HTTP API, used by the demo's simulated app and by {@code
 * flywheel import}. It talks to the gateway exactly as any app would: over HTTP with an API key.
 */
final class ApiClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JSON_TYPE = "application/json";

  private final HttpClient http;
  private final URI base;
  private final String apiKey;

  ApiClient(String baseUrl, String apiKey) {
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
    this.apiKey = apiKey;
  }

  /** An answer: status code and parsed JSON body (a missing node when the body was empty). */
  record Answer(int status, JsonNode body) {
    boolean ok() {
      return status >= 200 && status < 300;
    }

    String describe() {
      return status + " " + body;
    }
  }

  /** A binary answer: status, body bytes and headers. */
  record Download(int status, byte[] bytes, java.net.http.HttpHeaders headers) {
    java.util.Optional<String> header(String name) {
      return headers.firstValue(name);
    }
  }

  /** GETs a binary resource, such as a model bundle. */
  Download download(String path) throws IOException, InterruptedException {
    HttpResponse<byte[]> response =
        http.send(
            request(path, "application/octet-stream").GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    return new Download(response.statusCode(), response.body(), response.headers());
  }

  Answer get(String path) throws IOException, InterruptedException {
    return send(request(path, JSON_TYPE).GET().build());
  }

  Answer post(String path, Object body) throws IOException, InterruptedException {
    return send(withBody(request(path, JSON_TYPE), "POST", body));
  }

  Answer put(String path, Object body) throws IOException, InterruptedException {
    return send(withBody(request(path, JSON_TYPE), "PUT", body));
  }

  private HttpRequest.Builder request(String path, String accept) {
    String relative = path.startsWith("/") ? path.substring(1) : path;
    return HttpRequest.newBuilder(base.resolve(relative))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + apiKey)
        .header("Accept", accept);
  }

  private static HttpRequest withBody(HttpRequest.Builder builder, String method, Object body)
      throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    return builder
        .header("Content-Type", JSON_TYPE)
        .method(method, HttpRequest.BodyPublishers.ofByteArray(bytes))
        .build();
  }

  private Answer send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    byte[] body = response.body();
    JsonNode node = body.length == 0 ? JSON.missingNode() : JSON.readTree(body);
    return new Answer(response.statusCode(), node);
  }
}
