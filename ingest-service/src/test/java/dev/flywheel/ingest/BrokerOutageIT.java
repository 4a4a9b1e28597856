package dev.flywheel.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.embedded.EmbeddedKafka;
import dev.flywheel.events.FeedbackReceived;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durability promise against a broker that goes away: while it is down feedback is answered 503
 * with Retry-After, never 202; once it is back, everything that was answered 202 is in the topic.
 * Uses its own broker (the shared one must stay up for the other tests).
 */
@ExtendWith(EmbeddedInfraExtension.class)
class BrokerOutageIT {

  @Test
  @Timeout(300)
  void shouldAnswer503WhileTheBrokerIsDownAndKeepEverythingItAcknowledged(
      EmbeddedInfra infra, @TempDir Path data) throws Exception {
    int port = freePort();
    int controllerPort = freePort();
    EmbeddedKafka kafka = broker(data, port, controllerPort).start();
    List<String> acknowledged = new ArrayList<>();
    try (TestGateway gateway =
        TestGateway.start(
            kafka.bootstrapServers(),
            infra.registryUrl(),
            infra.newTopicPrefix() + "outage",
            Map.of("ingest.producer.max.in.flight.records", "2"))) {
      assertThat(post(gateway, "before-1").statusCode()).isEqualTo(202);
      acknowledged.add("before-1");

      kafka.close();
      for (int i = 1; i <= 3; i++) {
        HttpResponse<String> response = post(gateway, "down-" + i);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        assertThat(TestGateway.json(response).getInteger("error_code")).isEqualTo(503);
      }
      assertThat(gateway.management("/health/ready").statusCode()).isEqualTo(503);

      // Four at once against a budget of two unacknowledged records: the surplus is refused at
      // once instead of queueing behind a broker that does not answer.
      List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
      for (int i = 1; i <= 4; i++) {
        burst.add(postAsync(gateway, "burst-" + i));
      }
      List<HttpResponse<String>> answers = new ArrayList<>();
      for (CompletableFuture<HttpResponse<String>> answer : burst) {
        answers.add(answer.get(60, TimeUnit.SECONDS));
      }
      assertThat(answers).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(503));
      assertThat(answers)
          .anySatisfy(
              r -> assertThat(r.body()).contains("too many records wait for acknowledgement"));

      kafka = broker(data, port, controllerPort).start();
      int[] attempt = {0};
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                String id = "after-" + (++attempt[0]);
                int status = post(gateway, id).statusCode();
                assertThat(status).isIn(202, 503);
                if (status == 202) {
                  acknowledged.add(id);
                }
                return status == 202;
              });
      for (int i = 1; i <= 5; i++) {
        HttpResponse<String> response = post(gateway, "later-" + i);
        assertThat(response.statusCode()).isEqualTo(202);
        acknowledged.add("later-" + i);
      }
      Set<String> stored =
          gateway.readAll(gateway.topics.feedback()).stream()
              .map(r -> r.value())
              .map(FeedbackReceived::getIdempotencyId)
              .collect(Collectors.toSet());
      assertThat(stored).containsAll(acknowledged);
    } finally {
      kafka.close();
    }
  }

  private static HttpResponse<String> post(TestGateway gateway, String idempotencyId)
      throws Exception {
    return gateway.post(
        "/v1/feedback",
        TestGateway.APP_KEY,
        "{\"kind\":\"thumbs_up\",\"prediction_id\":\"p-"
            + idempotencyId
            + "\",\"idempotency_id\":\""
            + idempotencyId
            + "\"}");
  }

  private static CompletableFuture<HttpResponse<String>> postAsync(
      TestGateway gateway, String idempotencyId) {
    String body =
        "{\"kind\":\"thumbs_up\",\"prediction_id\":\"p\",\"idempotency_id\":\""
            + idempotencyId
            + "\"}";
    return gateway
        .http()
        .sendAsync(
            HttpRequest.newBuilder(gateway.uri("/v1/feedback"))
                .header("Authorization", "Bearer " + TestGateway.APP_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static EmbeddedKafka broker(Path data, int port, int controllerPort) {
    return EmbeddedKafka.builder().dataDir(data).port(port).controllerPort(controllerPort).build();
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
