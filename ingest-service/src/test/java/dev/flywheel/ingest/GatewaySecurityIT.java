package dev.flywheel.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.embedded.LocalAddresses;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.yaml.snakeyaml.Yaml;

/**
 * The gateway as a hostile client probes it, on a real broker: every spelling of every operation's
 * path, every route of the router, every integer at and over its bounds, large bodies without a
 * key, malformed headers, invisible text, duplicate keys, and the interfaces it listens on.
 */
@ExtendWith(EmbeddedInfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewaySecurityIT {
  private static final String APP = TestGateway.APP_KEY;
  private static final String ADMIN = TestGateway.ADMIN_KEY;
  private static final String MODEL = "secured";

  /** A body per operation that the contract accepts, so that only the path can be refused. */
  private static final Map<String, String> BODIES =
      Map.of(
          "postFeedback", "{\"kind\":\"thumbs_up\",\"prediction_id\":\"p-1\"}",
          "postExamples", "{\"text\":\"a text\",\"label\":\"a\"}",
          "predict", "{\"text\":\"a text\"}",
          "putModelSpec", "{\"labels\":[\"a\",\"b\"]}",
          "retrain", "{}",
          "promote", "{\"version\":1}",
          "rollback", "{}");

  private record Op(String id, String method, String template, boolean admin) {
    String path() {
      return template.replace("{model}", MODEL).replace("{version}", "1");
    }

    String body() {
      return BODIES.get(id);
    }
  }

  private TestGateway gateway;
  private Map<String, Object> contract;
  private List<Op> operations;

  @BeforeAll
  void start(EmbeddedInfra infra) throws Exception {
    gateway =
        TestGateway.start(
            infra.bootstrapServers(),
            infra.registryUrl(),
            infra.newTopicPrefix() + "sec",
            Map.of(
                "ingest.served.models", "none",
                "ingest.rate.limit.per.second", "1000000",
                "ingest.rate.limit.burst", "1000000"));
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(HttpApi.CONTRACT)) {
      contract = new Yaml().load(in);
    }
    operations = operations(contract);
  }

  @AfterAll
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  @Timeout(300)
  void shouldRefuseEverySpellingOfEveryOperationsPathBeforeAnyHandlerRuns() throws Exception {
    double before = handlerCalls();
    int sent = 0;
    List<String> failures = new ArrayList<>();
    for (Op op : operations) {
      for (String variant : PathVariants.of(op.path())) {
        sent++;
        RawHttp.Reply noKey = send(op, variant, null);
        expect(failures, op, variant, "no key", noKey, Set.of(400, 401));
        RawHttp.Reply app = send(op, variant, APP);
        expect(failures, op, variant, "app key", app, op.admin() ? Set.of(400, 403) : Set.of(400));
        RawHttp.Reply admin = send(op, variant, ADMIN);
        expect(failures, op, variant, "admin key", admin, Set.of(400));
      }
    }
    assertThat(failures).as("answers outside the allowed statuses").isEmpty();
    assertThat(sent).as("variants tried").isGreaterThan(operations.size() * 50);
    assertThat(handlerCalls()).as("handlers that ran").isEqualTo(before);
  }

  @Test
  @Timeout(120)
  void shouldRequireAPrincipalOnEveryRouteTheRouterHas() throws Exception {
    Router router = gateway.service.api().router();
    Set<String> publicPaths = ConsoleAssets.load().paths();
    Set<String> routed = new HashSet<>();
    Set<String> open = new HashSet<>();
    double before = handlerCalls();
    for (Route route : router.getRoutes()) {
      if (route.getPath() == null || route.methods() == null) {
        continue; // root handlers (timing, checks, body) and failure handlers
      }
      String path = route.getPath().replace(":model", MODEL).replace(":version", "1");
      for (io.vertx.core.http.HttpMethod method : route.methods()) {
        if (publicPaths.contains(route.getPath())) {
          // The console's files: the declared public routes, GET and HEAD only.
          RawHttp.Reply reply =
              RawHttp.send(gateway.service.httpPort(), method.name(), path, null, null);
          assertThat(reply.status()).as("%s %s without a key", method, path).isEqualTo(200);
          open.add(method.name() + " " + route.getPath());
          continue;
        }
        routed.add(method.name() + " " + route.getPath());
        Op op = operation(method.name(), path);
        RawHttp.Reply reply =
            RawHttp.send(gateway.service.httpPort(), method.name(), path, null, op.body());
        assertThat(reply.status()).as("%s %s without a key", method, path).isEqualTo(401);
        assertThat(reply.isErrorShape()).isTrue();
        if (op.admin()) {
          RawHttp.Reply app =
              RawHttp.send(gateway.service.httpPort(), method.name(), path, APP, op.body());
          assertThat(app.status()).as("%s %s with an app key", method, path).isEqualTo(403);
        }
      }
    }
    assertThat(routed)
        .as("every route is an operation of the contract, and the reverse: none is public")
        .isEqualTo(
            operations.stream()
                .map(op -> op.method() + " " + op.template().replaceAll("\\{(\\w+)}", ":$1"))
                .collect(Collectors.toSet()));
    assertThat(open)
        .as("the routes without a key are exactly the console's declared files, GET and HEAD")
        .isEqualTo(
            publicPaths.stream()
                .flatMap(p -> java.util.stream.Stream.of("GET " + p, "HEAD " + p))
                .collect(Collectors.toSet()));
    assertThat(publicPaths)
        .allSatisfy(p -> assertThat(p).matches("/|/openapi\\.yaml|/console/[a-z0-9/._-]+"));
    assertThat(handlerCalls()).isEqualTo(before);
    RawHttp.Reply unknown =
        RawHttp.send(gateway.service.httpPort(), "GET", "/v2/anything", null, null);
    assertThat(unknown.status())
        .as("deny by default: an unknown path without a key")
        .isEqualTo(401);
    RawHttp.Reply unknownWithKey =
        RawHttp.send(gateway.service.httpPort(), "GET", "/v2/anything", APP, null);
    assertThat(unknownWithKey.status()).isEqualTo(404);
  }

  @Test
  @Timeout(180)
  void shouldStoreEveryIntegerAtItsMaximumAndRefuseWhatWouldWrapOrIsNotAnInteger()
      throws Exception {
    List<String> failures = new ArrayList<>();
    for (Map.Entry<String, Map<String, Object>> field : numericSpecFields().entrySet()) {
      String[] path = field.getKey().split("\\.");
      Map<String, Object> schema = field.getValue();
      boolean integer = "integer".equals(schema.get("type"));
      BigDecimal maximum = new BigDecimal(String.valueOf(schema.get("maximum")));
      Map<String, Boolean> battery = new LinkedHashMap<>();
      if (integer) {
        BigInteger max = maximum.toBigIntegerExact();
        battery.put(max.toString(), true);
        battery.put(max.add(BigInteger.ONE).toString(), false);
        battery.put("2147483648", max.compareTo(BigInteger.valueOf(2147483648L)) >= 0);
        battery.put("9223372036854775808", false);
        battery.put("1e30", false);
        battery.put("1.0", false);
        battery.put("+1", false);
      } else {
        battery.put(maximum.toPlainString(), true);
        battery.put(maximum.add(new BigDecimal("0.000001")).toPlainString(), false);
        battery.put("1e30", false);
        battery.put("+1", false);
      }
      for (Map.Entry<String, Boolean> value : battery.entrySet()) {
        String body = specWith(path, value.getKey());
        RawHttp.Reply reply =
            RawHttp.send(gateway.service.httpPort(), "PUT", "/v1/models/" + MODEL, ADMIN, body);
        int expected = value.getValue() ? 202 : 400;
        if (reply.status() != expected || (expected == 400 && !reply.isErrorShape())) {
          failures.add(
              field.getKey() + "=" + value.getKey() + " -> " + reply.status() + " " + reply.body());
          continue;
        }
        if (expected == 202 && integer && path.length == 2) {
          JsonObject spec =
              RawHttp.send(gateway.service.httpPort(), "GET", "/v1/models/" + MODEL, APP, null)
                  .json()
                  .getJsonObject("spec");
          Object stored = spec.getJsonObject(path[0]).getValue(path[1]);
          if (!new BigInteger(value.getKey()).equals(new BigInteger(String.valueOf(stored)))) {
            failures.add(field.getKey() + "=" + value.getKey() + " stored as " + stored);
          }
        }
      }
    }
    for (String version :
        List.of(
            "2147483648",
            "4294967297",
            "9223372036854775808",
            "1e30",
            "1.0",
            "+1",
            "01",
            "0",
            "-1")) {
      for (String suffix : List.of("", "/bundle")) {
        RawHttp.Reply reply =
            RawHttp.send(
                gateway.service.httpPort(),
                "GET",
                "/v1/models/" + MODEL + "/versions/" + version + suffix,
                APP,
                null);
        if (reply.status() != 400 || !reply.isErrorShape()) {
          failures.add("version path " + version + suffix + " -> " + reply.status());
        }
      }
      RawHttp.Reply promote =
          RawHttp.send(
              gateway.service.httpPort(),
              "POST",
              "/v1/models/" + MODEL + "/promote",
              ADMIN,
              "{\"version\":" + version + "}");
      if (promote.status() != 400) {
        failures.add("promote version " + version + " -> " + promote.status());
      }
    }
    RawHttp.Reply maxVersion =
        RawHttp.send(
            gateway.service.httpPort(),
            "GET",
            "/v1/models/" + MODEL + "/versions/2147483647",
            APP,
            null);
    assertThat(maxVersion.status())
        .as("the largest version is read, and is not there")
        .isEqualTo(404);
    assertThat(failures).isEmpty();
  }

  @Test
  @Timeout(120)
  void shouldRefuseTenThousandLabelsWithoutAKeyInUnder50MillisecondsAndCheckThemInLinearTime()
      throws Exception {
    String labels =
        IntStream.range(0, 10_000)
            .mapToObj(i -> "\"label-" + i + "\"")
            .collect(Collectors.joining(","));
    String body = "{\"labels\":[" + labels + "]}";
    List<Long> millis = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      long started = System.nanoTime();
      RawHttp.Reply reply =
          RawHttp.send(gateway.service.httpPort(), "PUT", "/v1/models/" + MODEL, null, body);
      millis.add((System.nanoTime() - started) / 1_000_000);
      assertThat(reply.status()).isEqualTo(401);
    }
    Collections.sort(millis);
    assertThat(millis.get(millis.size() / 2)).as("median ms, %s", millis).isLessThan(50);

    long started = System.nanoTime();
    RawHttp.Reply tooMany =
        RawHttp.send(gateway.service.httpPort(), "PUT", "/v1/models/" + MODEL, ADMIN, body);
    long tooManyMillis = (System.nanoTime() - started) / 1_000_000;
    assertThat(tooMany.status()).isEqualTo(400);
    assertThat(tooManyMillis).as("10 000 labels refused by their count").isLessThan(2_000);

    String thousand =
        IntStream.range(0, 999).mapToObj(i -> "\"l" + i + "\"").collect(Collectors.joining(","));
    started = System.nanoTime();
    RawHttp.Reply accepted =
        RawHttp.send(
            gateway.service.httpPort(),
            "PUT",
            "/v1/models/" + MODEL + "-big",
            ADMIN,
            "{\"labels\":[" + thousand + "]}");
    assertThat(accepted.status()).isEqualTo(202);
    assertThat((System.nanoTime() - started) / 1_000_000)
        .as("1 000 distinct labels")
        .isLessThan(2_000);
    RawHttp.Reply repeated =
        RawHttp.send(
            gateway.service.httpPort(),
            "PUT",
            "/v1/models/" + MODEL + "-big",
            ADMIN,
            "{\"labels\":[" + thousand + ",\"l7\"]}");
    assertThat(repeated.status()).isEqualTo(400);
    assertThat(repeated.body()).contains("labels[999]").contains("repeats labels[7]");
  }

  @Test
  @Timeout(60)
  void shouldAnswerMalformedHeadersInTheErrorShape() throws Exception {
    String head =
        "GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Probe: a\u0001b\r\nConnection: close\r\n\r\n";
    RawHttp.Reply reply =
        RawHttp.exchange(
            gateway.service.httpPort(), head.getBytes(StandardCharsets.ISO_8859_1), new byte[0]);

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.isErrorShape()).as(reply.body()).isTrue();
  }

  @Test
  @Timeout(120)
  void shouldRefuseInvisibleTextUnpairedSurrogatesAndDuplicateKeys() throws Exception {
    int port = gateway.service.httpPort();
    assertThat(
            RawHttp.send(port, "PUT", "/v1/models/" + MODEL, ADMIN, "{\"labels\":[\"a\",\"b\"]}")
                .status())
        .isEqualTo(202);
    String examples = "/v1/models/" + MODEL + "/examples";
    for (String text : List.of("\\u200b\\u200b", "\\u2060\\ufeff \\u200d", " \\t ", "\\u3164")) {
      RawHttp.Reply reply =
          RawHttp.send(port, "POST", examples, APP, "{\"text\":\"" + text + "\",\"label\":\"a\"}");
      assertThat(reply.status()).as("text %s", text).isEqualTo(400);
      assertThat(reply.body()).contains("no visible characters");
    }
    RawHttp.Reply surrogate =
        RawHttp.send(port, "POST", examples, APP, "{\"text\":\"ok \\ud800\",\"label\":\"a\"}");
    assertThat(surrogate.status()).isEqualTo(400);
    assertThat(surrogate.body()).contains("surrogate");
    RawHttp.Reply duplicate =
        RawHttp.send(
            port, "POST", examples, APP, "{\"text\":\"ok\",\"label\":\"a\",\"label\":\"b\"}");
    assertThat(duplicate.status()).isEqualTo(400);
    assertThat(duplicate.body()).contains("duplicate key");
    RawHttp.Reply predict =
        RawHttp.send(
            port,
            "POST",
            "/v1/models/" + MODEL + "/predict",
            APP,
            "{\"texts\":[\"fine\",\"\\u200b\"]}");
    assertThat(predict.status()).isEqualTo(400);
    assertThat(predict.body()).contains("texts[1]");
    RawHttp.Reply invisibleLabel =
        RawHttp.send(port, "PUT", "/v1/models/" + MODEL, ADMIN, "{\"labels\":[\"a\",\"\\u200b\"]}");
    assertThat(invisibleLabel.status()).isEqualTo(400);
    RawHttp.Reply visible =
        RawHttp.send(port, "POST", examples, APP, "{\"text\":\"\\u200bvisible\",\"label\":\"a\"}");
    assertThat(visible.status()).isEqualTo(202);
  }

  @Test
  @Timeout(60)
  void shouldListenOnlyOnTheConfiguredLoopbackHost() throws Exception {
    List<InetAddress> others = LocalAddresses.nonLoopback();
    Assumptions.assumeFalse(others.isEmpty(), "this machine has no non-loopback address");
    for (InetAddress address : others) {
      for (int port : List.of(gateway.service.httpPort(), gateway.service.managementPort())) {
        assertThat(LocalAddresses.accepts(address, port))
            .as("port %d on %s", port, address)
            .isFalse();
      }
    }
    assertThat(
            LocalAddresses.accepts(
                InetAddress.getLoopbackAddress(), gateway.service.managementPort()))
        .isTrue();
  }

  private RawHttp.Reply send(Op op, String target, String key) throws Exception {
    return RawHttp.send(gateway.service.httpPort(), op.method(), target, key, op.body());
  }

  private static void expect(
      List<String> failures,
      Op op,
      String variant,
      String who,
      RawHttp.Reply reply,
      Set<Integer> allowed) {
    if (!allowed.contains(reply.status()) || !reply.isErrorShape()) {
      failures.add(
          op.method() + " " + variant + " (" + who + ") -> " + reply.status() + " " + reply.body());
    }
  }

  private double handlerCalls() {
    return gateway.metrics.find(Gatekeeper.AUTHORIZED).counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  private Op operation(String method, String path) {
    return operations.stream()
        .filter(op -> op.method().equals(method) && op.path().equals(path))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no operation for " + method + " " + path));
  }

  @SuppressWarnings("unchecked")
  private static List<Op> operations(Map<String, Object> contract) {
    List<Op> out = new ArrayList<>();
    Map<String, Object> paths = (Map<String, Object>) contract.get("paths");
    paths.forEach(
        (template, item) ->
            ((Map<String, Object>) item)
                .forEach(
                    (method, value) -> {
                      if (method.equals("parameters")) {
                        return;
                      }
                      Map<String, Object> operation = (Map<String, Object>) value;
                      out.add(
                          new Op(
                              (String) operation.get("operationId"),
                              method.toUpperCase(java.util.Locale.ROOT),
                              template,
                              "admin".equals(operation.get("x-flywheel-role"))));
                    }));
    return out;
  }

  /** Every numeric field a spec can carry, as {@code trigger.min_new_examples} and the like. */
  @SuppressWarnings("unchecked")
  private Map<String, Map<String, Object>> numericSpecFields() {
    Map<String, Object> schemas =
        (Map<String, Object>) ((Map<String, Object>) contract.get("components")).get("schemas");
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    Map<String, Object> spec =
        (Map<String, Object>) ((Map<String, Object>) schemas.get("ModelSpec")).get("properties");
    spec.forEach(
        (name, value) -> {
          Map<String, Object> property = (Map<String, Object>) value;
          if (property.get("$ref") instanceof String ref && ref.endsWith("Policy")) {
            Map<String, Object> policy =
                (Map<String, Object>)
                    ((Map<String, Object>) schemas.get(ref.substring(ref.lastIndexOf('/') + 1)))
                        .get("properties");
            policy.forEach(
                (inner, schema) -> {
                  Map<String, Object> s = (Map<String, Object>) schema;
                  if ("integer".equals(s.get("type")) || "number".equals(s.get("type"))) {
                    out.put(name + "." + inner, s);
                  }
                });
          } else if ("integer".equals(property.get("type"))
              || "number".equals(property.get("type"))) {
            out.put(name, property);
          }
        });
    assertThat(out.values())
        .as("every numeric field of the contract has a maximum")
        .allSatisfy(s -> assertThat(s).containsKey("maximum"));
    return out;
  }

  private static String specWith(String[] path, String value) {
    String field = "\"" + path[path.length - 1] + "\":" + value;
    String inner = path.length == 2 ? "\"" + path[0] + "\":{" + field + "}" : field;
    return "{\"labels\":[\"a\",\"b\"]," + inner + "}";
  }
}
