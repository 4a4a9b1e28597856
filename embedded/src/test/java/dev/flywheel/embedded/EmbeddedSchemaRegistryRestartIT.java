package dev.flywheel.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EmbeddedSchemaRegistryRestartIT {
  @TempDir Path dataDir;

  @Test
  void shouldKeepSubjectsVersionsIdsAndConfigAcrossARestartOfBrokerAndRegistry() {
    int userV1;
    int userV2;
    int kafkaPort;
    int registryPort;
    try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dataDir).build().start();
        EmbeddedSchemaRegistry registry =
            EmbeddedSchemaRegistry.builder(kafka.bootstrapServers()).build().start()) {
      RegistryHttp http = new RegistryHttp(registry.url());
      userV1 = http.register("users-value", Schemas.USER_V1);
      userV2 = http.register("users-value", Schemas.USER_V2_WITH_DEFAULT);
      assertThat(http.register("orders-value", Schemas.USER_V1)).isEqualTo(userV1);
      http.put("/config/orders-value", "{\"compatibility\":\"FULL\"}");
      http.put("/config", "{\"compatibility\":\"FORWARD\"}");
      kafkaPort = Integer.parseInt(kafka.bootstrapServers().split(":")[1]);
      registryPort = URI.create(registry.url()).getPort();
    }

    // The same ports as before: what a developer's tools were pointed at keeps working.
    try (EmbeddedKafka kafka =
            EmbeddedKafka.builder().dataDir(dataDir).port(kafkaPort).build().start();
        EmbeddedSchemaRegistry registry =
            EmbeddedSchemaRegistry.builder(kafka.bootstrapServers())
                .port(registryPort)
                .build()
                .start()) {
      RegistryHttp http = new RegistryHttp(registry.url());
      assertThat(http.get("/subjects").array())
          .isEqualTo(new JsonArray().add("orders-value").add("users-value"));
      assertThat(http.get("/subjects/users-value/versions").array()).containsExactly(1, 2);
      assertThat(http.get("/subjects/users-value/versions/1").json().getInteger("id"))
          .isEqualTo(userV1);
      assertThat(http.get("/subjects/users-value/versions/latest").json().getInteger("id"))
          .isEqualTo(userV2);
      assertThat(http.get("/subjects/orders-value/versions/1").json().getInteger("id"))
          .isEqualTo(userV1);
      assertThat(http.get("/schemas/ids/" + userV2).status()).isEqualTo(200);
      assertThat(http.get("/config/orders-value").json())
          .isEqualTo(new JsonObject().put("compatibilityLevel", "FULL"));
      assertThat(http.get("/config").json())
          .isEqualTo(new JsonObject().put("compatibilityLevel", "FORWARD"));
      // New ids continue after the highest id ever handed out.
      assertThat(http.register("payments-value", Schemas.unique("Payment"))).isEqualTo(userV2 + 1);
      assertThat(http.register("users-value", Schemas.USER_V2_WITH_DEFAULT)).isEqualTo(userV2);
    }
  }
}
