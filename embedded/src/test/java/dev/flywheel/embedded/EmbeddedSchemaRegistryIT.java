package dev.flywheel.embedded;

import static dev.flywheel.embedded.RegistryHttp.schemaBody;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.embedded.RegistryHttp.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedInfraExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EmbeddedSchemaRegistryIT {
  private final EmbeddedInfra infra;
  private final RegistryHttp http;
  private final String prefix;

  EmbeddedSchemaRegistryIT(EmbeddedInfra infra) {
    this.infra = infra;
    this.http = new RegistryHttp(infra.registryUrl());
    this.prefix = infra.newTopicPrefix();
  }

  @Test
  void shouldReturnTheSameIdWhenTheSameSchemaIsRegisteredAgainOrUnderAnotherSubject() {
    String subject = prefix + "users-value";
    int id = http.register(subject, Schemas.USER_V1);
    // Same schema, other whitespace: identity is the parsed schema, not the text.
    int again = http.register(subject, Schemas.USER_V1.replace(",", " ,\n  "));
    int elsewhere = http.register(prefix + "other-value", Schemas.USER_V1);

    assertThat(again).isEqualTo(id);
    assertThat(elsewhere).isEqualTo(id);
    assertThat(http.get("/subjects/" + subject + "/versions").array()).containsExactly(1);
    assertThat(http.get("/subjects").array().stream()).contains(subject, prefix + "other-value");
    assertThat(http.get("/schemas/ids/" + id).json().getString("schema"))
        .isEqualTo(new Schema.Parser().parse(Schemas.USER_V1).toString());
  }

  @Test
  void shouldAcceptABackwardCompatibleChangeAsANewVersion() {
    String subject = prefix + "users-value";
    int v1 = http.register(subject, Schemas.USER_V1);
    int v2 = http.register(subject, Schemas.USER_V2_WITH_DEFAULT);

    assertThat(v2).isNotEqualTo(v1);
    JsonObject latest = http.get("/subjects/" + subject + "/versions/latest").json();
    assertThat(latest.getString("subject")).isEqualTo(subject);
    assertThat(latest.getInteger("version")).isEqualTo(2);
    assertThat(latest.getInteger("id")).isEqualTo(v2);
    assertThat(new Schema.Parser().parse(latest.getString("schema")))
        .isEqualTo(new Schema.Parser().parse(Schemas.USER_V2_WITH_DEFAULT));
    Response raw = http.get("/subjects/" + subject + "/versions/1/schema");
    assertThat(new Schema.Parser().parse(raw.body()))
        .isEqualTo(new Schema.Parser().parse(Schemas.USER_V1));
  }

  @Test
  void shouldRejectIncompatibleChangesWith409AndRegisterNothing() {
    String subject = prefix + "users-value";
    http.register(subject, Schemas.USER_V1);

    for (String incompatible :
        List.of(Schemas.USER_ADDS_REQUIRED_FIELD, Schemas.USER_NAME_AS_INT)) {
      Response response = http.post("/subjects/" + subject + "/versions", schemaBody(incompatible));
      assertThat(response.status()).isEqualTo(409);
      assertThat(response.json().getInteger("error_code")).isEqualTo(409);
      assertThat(response.json().getString("message")).contains("incompatible");
      Response check =
          http.post(
              "/compatibility/subjects/" + subject + "/versions/latest", schemaBody(incompatible));
      assertThat(check.json().getBoolean("is_compatible")).isFalse();
    }
    assertThat(http.get("/subjects/" + subject + "/versions").array()).containsExactly(1);
    Response compatible =
        http.post(
            "/compatibility/subjects/" + subject + "/versions/latest",
            schemaBody(Schemas.USER_V2_WITH_DEFAULT));
    assertThat(compatible.json()).isEqualTo(new JsonObject().put("is_compatible", true));
  }

  @Test
  void shouldApplyTheCompatibilityLevelConfiguredForOneSubjectOnly() {
    String relaxed = prefix + "relaxed-value";
    String strict = prefix + "strict-value";
    http.register(relaxed, Schemas.USER_V1);
    http.register(strict, Schemas.USER_V1);

    Response put = http.put("/config/" + relaxed, "{\"compatibility\":\"none\"}");
    assertThat(put.status()).isEqualTo(200);
    assertThat(put.json()).isEqualTo(new JsonObject().put("compatibility", "NONE"));
    assertThat(http.get("/config/" + relaxed).json())
        .isEqualTo(new JsonObject().put("compatibilityLevel", "NONE"));
    assertThat(http.get("/config").json().getString("compatibilityLevel")).isEqualTo("BACKWARD");
    Response unset = http.get("/config/" + strict);
    assertThat(unset.status()).isEqualTo(404);
    assertThat(unset.json().getInteger("error_code")).isEqualTo(40408);
    assertThat(http.get("/config/" + strict + "?defaultToGlobal=true").json())
        .isEqualTo(new JsonObject().put("compatibilityLevel", "BACKWARD"));

    http.register(relaxed, Schemas.USER_NAME_AS_INT);
    Response rejected =
        http.post("/subjects/" + strict + "/versions", schemaBody(Schemas.USER_NAME_AS_INT));

    assertThat(http.get("/subjects/" + relaxed + "/versions").array()).containsExactly(1, 2);
    assertThat(rejected.status()).isEqualTo(409);
  }

  @Test
  void shouldLookUpAndSoftDeleteSubjects() {
    String subject = prefix + "deleted-value";
    int v1 = http.register(subject, Schemas.USER_V1);
    http.register(subject, Schemas.USER_V2_WITH_DEFAULT);

    JsonObject found = http.post("/subjects/" + subject, schemaBody(Schemas.USER_V1)).json();
    assertThat(found.getInteger("version")).isEqualTo(1);
    assertThat(found.getInteger("id")).isEqualTo(v1);
    assertThat(found.getString("subject")).isEqualTo(subject);
    Response missing = http.post("/subjects/" + subject, schemaBody(Schemas.USER_NAME_AS_INT));
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().getInteger("error_code")).isEqualTo(40403);

    Response deleted = http.delete("/subjects/" + subject);
    assertThat(deleted.status()).isEqualTo(200);
    assertThat(deleted.array()).isEqualTo(new JsonArray().add(1).add(2));
    assertThat(http.get("/subjects").array().stream()).doesNotContain(subject);
    assertThat(http.get("/subjects/" + subject + "/versions").json().getInteger("error_code"))
        .isEqualTo(40401);
    assertThat(http.delete("/subjects/" + subject).json().getInteger("error_code"))
        .isEqualTo(40404);
    // Ids are never reused: the schema is still served by id, and comes back under the same id.
    assertThat(http.get("/schemas/ids/" + v1).status()).isEqualTo(200);
    assertThat(http.register(subject, Schemas.USER_V1)).isEqualTo(v1);
    assertThat(http.get("/subjects/" + subject + "/versions").array()).containsExactly(3);
  }

  @Test
  void shouldServeTheSameIdsFromASecondRegistryOnTheSameCluster() {
    String name = prefix.replace("-", "");
    int first = http.register(prefix + "first-value", Schemas.unique("First" + name));

    try (EmbeddedSchemaRegistry second =
        EmbeddedSchemaRegistry.builder(infra.bootstrapServers()).build().start()) {
      RegistryHttp other = new RegistryHttp(second.url());
      assertThat(
              other.get("/subjects/" + prefix + "first-value/versions/1").json().getInteger("id"))
          .isEqualTo(first);

      // The second instance writes; the first must see it and must not hand out that id again.
      int written = other.register(prefix + "second-value", Schemas.unique("Second" + name));
      assertThat(http.get("/schemas/ids/" + written).status()).isEqualTo(200);
      assertThat(http.register(prefix + "copy-value", Schemas.unique("Second" + name)))
          .isEqualTo(written);
      int third = http.register(prefix + "third-value", Schemas.unique("Third" + name));

      assertThat(third).isGreaterThan(written);
      assertThat(
              other
                  .get("/subjects/" + prefix + "third-value/versions/latest")
                  .json()
                  .getInteger("id"))
          .isEqualTo(third);
    }
  }

  @Test
  void shouldRefuseToStartOnASchemasTopicThatIsNotCompactedOrHasSeveralPartitions()
      throws Exception {
    String deleting = prefix + "schemas-delete";
    String partitioned = prefix + "schemas-partitioned";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(deleting, 1, (short) 1)
                      .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "delete")),
                  new NewTopic(partitioned, 2, (short) 1)
                      .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact"))))
          .all()
          .get(30, TimeUnit.SECONDS);
    }

    assertThatThrownBy(
            () ->
                EmbeddedSchemaRegistry.builder(infra.bootstrapServers())
                    .topic(deleting)
                    .build()
                    .start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("compact");
    assertThatThrownBy(
            () ->
                EmbeddedSchemaRegistry.builder(infra.bootstrapServers())
                    .topic(partitioned)
                    .build()
                    .start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("one partition");
  }

  @Test
  void shouldAnswerBadInputWithTheDocumentedClientErrorNeverA500() {
    String subject = prefix + "bad-value";
    http.register(subject, Schemas.USER_V1);
    String versions = "/subjects/" + subject + "/versions";

    assertError(http.post(versions, "{not json"), 400, 400);
    assertError(http.post(versions, ""), 400, 400);
    assertError(http.post(versions, "[1,2]"), 422, 422);
    assertError(http.post(versions, "{}"), 422, 42201);
    assertError(
        http.post(versions, schemaBody("{\"type\":\"recrod\",\"name\":\"X\"}")), 422, 42201);
    assertError(http.post(versions, schemaBody("not avro at all")), 422, 42201);
    assertError(
        http.post(versions, "{\"schema\":\"\\\"string\\\"\",\"schemaType\":\"PROTOBUF\"}"),
        422,
        42201);
    assertError(http.get("/subjects/" + prefix + "unknown/versions"), 404, 40401);
    assertError(http.get("/subjects/" + prefix + "unknown/versions/latest"), 404, 40401);
    assertError(
        http.post("/subjects/" + prefix + "unknown", schemaBody(Schemas.USER_V1)), 404, 40401);
    assertError(http.delete("/subjects/" + prefix + "unknown"), 404, 40401);
    assertError(http.get(versions + "/99"), 404, 40402);
    assertError(http.get(versions + "/abc"), 422, 42202);
    assertError(http.get(versions + "/0"), 422, 42202);
    assertError(http.get("/schemas/ids/2147483647"), 404, 40403);
    assertError(http.get("/schemas/ids/abc"), 404, 40403);
    assertError(http.put("/config/" + subject, "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203);
    assertError(http.put("/config", "{\"compatibility\":5}"), 422, 42203);
    assertError(http.put("/config", "{\"compatibilityLevel\":\"FULL\"}"), 422, 42203);
    assertError(
        http.post("/compatibility/subjects/" + subject + "/versions/latest", "{\"schema\":\"{\"}"),
        422,
        42201);
    assertError(
        http.post(
            "/compatibility/subjects/" + subject + "/versions/7", schemaBody(Schemas.USER_V1)),
        404,
        40402);
    assertError(http.get("/no/such/route"), 404, 404);
    assertThat(http.get("/config").json().getString("compatibilityLevel")).isEqualTo("BACKWARD");
  }

  private static void assertError(Response response, int status, int errorCode) {
    assertThat(response.status()).as(response.toString()).isEqualTo(status);
    assertThat(response.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
    assertThat(response.json().getInteger("error_code"))
        .as(response.toString())
        .isEqualTo(errorCode);
    assertThat(response.json().getString("message")).isNotBlank();
  }
}
