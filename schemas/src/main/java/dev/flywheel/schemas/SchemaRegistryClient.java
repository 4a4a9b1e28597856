package dev.flywheel.schemas;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of the Confluent Schema Registry REST API (the subset producers and consumers need),
 * over {@link HttpClient}. Ids and schemas are cached, so after the first record of a schema no
 * record costs a network call. Thread-safe; one instance is meant to be shared by every serde of a
 * process.
 */
public final class SchemaRegistryClient implements AutoCloseable {
  static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

  private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger CLIENTS = new AtomicInteger();

  private final RegistryConfig config;
  private final List<URI> baseUris;
  private final AtomicInteger current = new AtomicInteger();
  private final Optional<String> authorization;
  private final ExecutorService executor;
  private final HttpClient http;
  private final Retry retry;

  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();

  public SchemaRegistryClient(RegistryConfig config) {
    this.config = config;
    this.baseUris = Arrays.stream(config.url().split(",")).map(SchemaRegistryClient::base).toList();
    this.authorization =
        config
            .basicAuthUserInfo()
            .map(
                info ->
                    "Basic "
                        + Base64.getEncoder()
                            .encodeToString(info.getBytes(StandardCharsets.UTF_8)));
    int n = CLIENTS.incrementAndGet();
    // Our own daemon executor so that close() really ends the client's threads on Java 17.
    this.executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "schema-registry-client-" + n);
              t.setDaemon(true);
              return t;
            });
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(config.requestTimeout())
            .executor(executor)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    this.retry =
        Retry.builder()
            .maxAttempts((int) Math.min(Integer.MAX_VALUE, config.maxRetries() + 1L))
            .delay(config.retryBackoff())
            .backoff(2.0, config.retryBackoff().multipliedBy(1024))
            .retryOn(SchemaRegistryClient::isTransient)
            .rethrowLastError()
            .build();
  }

  /** A client of the registry at {@code url} with default settings. */
  public static SchemaRegistryClient create(String url) {
    return new SchemaRegistryClient(RegistryConfig.of(url));
  }

  public RegistryConfig config() {
    return config;
  }

  /**
   * Registers {@code schema} under {@code subject} (or finds it registered already) and returns its
   * global id.
   *
   * @throws IncompatibleSchemaException when the registry refuses it as incompatible (409)
   */
  public int register(String subject, Schema schema) {
    Integer cached = cachedId(subject, schema);
    if (cached != null) {
      return cached;
    }
    JsonNode answer =
        send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema), subject, -1);
    int id = answer.path("id").asInt(-1);
    if (id < 0) {
      throw new SchemaRegistryException(
          "Registry answered register of " + subject + " without an id: " + answer, -1, 200);
    }
    remember(subject, schema, id);
    LOG.debug("Schema {} registered under {} with id {}", schema.getFullName(), subject, id);
    return id;
  }

  /**
   * The schema registered under the global {@code id}.
   *
   * @throws UnknownSchemaIdException when the registry knows no such id
   */
  public Schema getById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    JsonNode answer = send("GET", "/schemas/ids/" + id, null, null, id);
    Schema schema = parse(answer.path("schema").asText(null), "schema id " + id);
    Schema previous = schemasById.putIfAbsent(id, schema);
    return previous != null ? previous : schema;
  }

  /** The latest version registered under {@code subject}, or empty when the subject is unknown. */
  public Optional<RegisteredSchema> latest(String subject) {
    try {
      JsonNode answer =
          send("GET", "/subjects/" + encode(subject) + "/versions/latest", null, subject, -1);
      return Optional.of(registered(subject, answer));
    } catch (SchemaRegistryException e) {
      if (e.httpStatus() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * The version of {@code subject} that holds exactly {@code schema}, or empty when the subject is
   * unknown or does not hold it.
   */
  public Optional<RegisteredSchema> lookup(String subject, Schema schema) {
    try {
      JsonNode answer =
          send("POST", "/subjects/" + encode(subject), schemaBody(schema), subject, -1);
      RegisteredSchema found = registered(subject, answer);
      remember(subject, schema, found.id());
      return Optional.of(found);
    } catch (SchemaRegistryException e) {
      if (e.httpStatus() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * The id under which {@code subject} holds {@code schema}, from the cache when known, else by
   * {@link #lookup}.
   */
  public Optional<Integer> idOf(String subject, Schema schema) {
    Integer cached = cachedId(subject, schema);
    if (cached != null) {
      return Optional.of(cached);
    }
    return lookup(subject, schema).map(RegisteredSchema::id);
  }

  /**
   * Whether {@code schema} may be registered under {@code subject} as its next version, under the
   * subject's compatibility level. A subject without versions accepts any schema.
   */
  public boolean isCompatible(String subject, Schema schema) {
    try {
      JsonNode answer =
          send(
              "POST",
              "/compatibility/subjects/" + encode(subject) + "/versions/latest",
              schemaBody(schema),
              subject,
              -1);
      return answer.path("is_compatible").asBoolean(false);
    } catch (SchemaRegistryException e) {
      if (e.httpStatus() == 404) {
        return true;
      }
      throw e;
    }
  }

  /** Every subject the registry holds. */
  public List<String> subjects() {
    JsonNode answer = send("GET", "/subjects", null, null, -1);
    List<String> subjects = new ArrayList<>();
    answer.forEach(node -> subjects.add(node.asText()));
    return List.copyOf(subjects);
  }

  /** Releases the HTTP client's threads. Cached schemas are dropped with the instance. */
  @Override
  public void close() {
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return "SchemaRegistryClient[" + config + "]";
  }

  private Integer cachedId(String subject, Schema schema) {
    Map<Schema, Integer> ids = idsBySubject.get(subject);
    return ids == null ? null : ids.get(schema);
  }

  private void remember(String subject, Schema schema, int id) {
    idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schema, id);
    schemasById.putIfAbsent(id, schema);
  }

  private static RegisteredSchema registered(String subject, JsonNode answer) {
    return new RegisteredSchema(
        answer.path("subject").asText(subject),
        answer.path("version").asInt(-1),
        answer.path("id").asInt(-1),
        parse(answer.path("schema").asText(null), "subject " + subject));
  }

  private static Schema parse(String text, String what) {
    if (text == null) {
      throw new SchemaRegistryException("Registry answered " + what + " without a schema", -1, 200);
    }
    try {
      return new Schema.Parser().parse(text);
    } catch (SchemaParseException e) {
      throw new SchemaRegistryException(
          "Registry holds an unparsable schema for " + what + ": " + e.getMessage(), -1, 200, e);
    }
  }

  private static String schemaBody(Schema schema) {
    ObjectNode body = JSON.createObjectNode();
    body.put("schema", schema.toString());
    try {
      return JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render a JSON string", e);
    }
  }

  /**
   * One call with bounded retries: 5xx answers and I/O errors (refused connection, timeout) are
   * retried with exponential backoff, 4xx answers never.
   */
  private JsonNode send(String method, String path, String body, String subject, int schemaId) {
    return retry.call(method + " " + path, () -> sendOnce(method, path, body, subject, schemaId));
  }

  private JsonNode sendOnce(String method, String path, String body, String subject, int schemaId)
      throws InterruptedException {
    URI base = baseUris.get(Math.floorMod(current.get(), baseUris.size()));
    HttpRequest request = request(method, base.resolve(base.getPath() + path), body);
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      current.incrementAndGet(); // the next attempt asks the next registry of the list
      throw new SchemaRegistryException(
          "Schema registry at " + base + " cannot be reached: " + e, -1, -1, e);
    }
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return readJson(response.body(), status);
    }
    throw error(status, response.body(), subject, schemaId);
  }

  /** A 5xx answer, or no answer at all (status -1), may pass; anything else will not. */
  private static boolean isTransient(Throwable error) {
    return error instanceof SchemaRegistryException failure
        && (failure.httpStatus() >= 500 || failure.httpStatus() == -1);
  }

  private HttpRequest request(String method, URI uri, String body) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(uri)
            .timeout(config.requestTimeout())
            .header("Accept", CONTENT_TYPE + ", application/json");
    authorization.ifPresent(value -> builder.header("Authorization", value));
    if (body == null) {
      builder.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      builder
          .header("Content-Type", CONTENT_TYPE)
          .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    }
    return builder.build();
  }

  private static JsonNode readJson(String body, int status) {
    try {
      return JSON.readTree(body == null || body.isEmpty() ? "{}" : body);
    } catch (JsonProcessingException e) {
      throw new SchemaRegistryException(
          "Schema registry answered " + status + " with a body that is not JSON", -1, status, e);
    }
  }

  /** Maps a Confluent error body ({@code {"error_code":40401,"message":...}}) to an exception. */
  static SchemaRegistryException error(int status, String body, String subject, int schemaId) {
    int code = status;
    String message = body == null ? "" : body;
    try {
      JsonNode node = JSON.readTree(body == null || body.isEmpty() ? "{}" : body);
      code = node.path("error_code").asInt(status);
      message = node.path("message").asText(message);
    } catch (JsonProcessingException e) {
      // Not a Confluent error body (a proxy's HTML page, say): keep the raw text as the message.
      message = body;
    }
    if (status == 409) {
      return new IncompatibleSchemaException(
          subject == null ? "?" : subject, code, status, message);
    }
    if (schemaId >= 0 && (code == 40403 || status == 404)) {
      return new UnknownSchemaIdException(schemaId, code, status, message);
    }
    String what = subject != null ? " (subject " + subject + ")" : "";
    return new SchemaRegistryException(
        "Schema registry answered " + status + " error " + code + what + ": " + message,
        code,
        status);
  }

  private static URI base(String url) {
    String trimmed = url.trim();
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    return URI.create(trimmed);
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
