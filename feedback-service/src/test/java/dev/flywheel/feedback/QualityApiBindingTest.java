package dev.flywheel.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.common.auth.ApiKeys;
import dev.flywheel.common.auth.Role;
import dev.flywheel.embedded.LocalAddresses;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class QualityApiBindingTest {
  @Test
  void shouldListenOnTheConfiguredLoopbackHostAndRefuseRequestsWithoutAKey() throws Exception {
    ApiKeys keys = ApiKeys.parse(List.of(ApiKeys.entry("ops", Role.APP, "k")));
    QualityApi api = new QualityApi(() -> null, "127.0.0.1", 0, keys, Duration.ofMinutes(1));
    api.start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> noKey =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/v1/quality/m"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(noKey.statusCode()).isEqualTo(401);
      assertThat(noKey.body()).contains("\"error_code\":401");
      HttpResponse<String> unknownPath =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/other"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(unknownPath.statusCode()).as("deny by default").isEqualTo(401);

      List<InetAddress> others = LocalAddresses.nonLoopback();
      Assumptions.assumeFalse(others.isEmpty(), "this machine has no non-loopback address");
      for (InetAddress address : others) {
        assertThat(LocalAddresses.accepts(address, api.port())).as("%s", address).isFalse();
      }
    } finally {
      api.close();
    }
  }
}
