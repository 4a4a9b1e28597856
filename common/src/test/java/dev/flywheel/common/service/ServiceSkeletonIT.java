package dev.flywheel.common.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.flywheel.common.config.ClientType;
import dev.flywheel.common.kafka.KafkaClients;
import dev.flywheel.common.lifecycle.ExitCodes;
import dev.flywheel.common.lifecycle.Service;
import dev.flywheel.common.lifecycle.ServiceRunner;
import dev.flywheel.common.metrics.Metrics;
import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.schemas.EnsureReport;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedInfraExtension.class)
@Timeout(120)
class ServiceSkeletonIT {
  private final EmbeddedInfra infra;
  private final HttpClient http = HttpClient.newHttpClient();

  ServiceSkeletonIT(EmbeddedInfra infra) {
    this.infra = infra;
  }

  @Test
  void shouldEnsureTopicsStartPartsInOrderAndCloseThemInReverse() throws Exception {
    TestConfig config = config(infra.newTopicPrefix());
    List<String> journal = new CopyOnWriteArrayList<>();
    AtomicInteger readyWhileStarting = new AtomicInteger();
    AtomicReference<TestService> self = new AtomicReference<>();
    TestService service =
        new TestService(
            config,
            parts -> {
              parts.start(recording("first", journal));
              readyWhileStarting.set(status(self.get().managementPort(), "/health/ready"));
              parts.add("resource", () -> journal.add("close resource"));
              parts.start(recording("second", journal));
            });
    self.set(service);

    service.start();
    try {
      // A created topic shows in the broker's metadata a moment after the controller commits it.
      await()
          .atMost(Duration.ofSeconds(15))
          .untilAsserted(() -> assertThat(topicNames()).containsAll(names(service.topics)));
      assertThat(readyWhileStarting.get()).isEqualTo(503);
      assertThat(status(service.managementPort(), "/health/ready")).isEqualTo(200);
      assertThat(journal).containsExactly("start first", "start second");
    } finally {
      service.close();
    }

    assertThat(journal)
        .containsExactly(
            "start first", "start second", "close second", "close resource", "close first");
  }

  @Test
  void shouldCloseWhatStartedInReverseAndThrowTheFailureAsItWas() {
    List<String> journal = new CopyOnWriteArrayList<>();
    IllegalStateException failure = new IllegalStateException("no partitions");
    TestService service =
        new TestService(
            config(infra.newTopicPrefix()),
            parts -> {
              parts.start(recording("first", journal));
              parts.add("resource", () -> journal.add("close resource"));
              parts.start(
                  Service.of(
                      "failing",
                      () -> {
                        throw failure;
                      },
                      () -> journal.add("close failing")));
              parts.start(recording("never", journal));
            });

    assertThatThrownBy(service::start).isSameAs(failure);
    assertThat(journal)
        .containsExactly("start first", "close failing", "close resource", "close first");
  }

  @Test
  void shouldRefuseToStartWhenTheTopicCheckFails() {
    List<String> journal = new CopyOnWriteArrayList<>();
    TestService service =
        new TestService(
            config(infra.newTopicPrefix()), parts -> parts.start(recording("never", journal))) {
          @Override
          protected void checkTopics(Topics topics, EnsureReport report) {
            throw new IllegalStateException("topics refused");
          }
        };

    assertThatThrownBy(service::start).hasMessage("topics refused");
    assertThat(journal).isEmpty();
    assertThatThrownBy(service::managementPort).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void shouldStopTheProcessWithARuntimeFailureWhenAPartReportsAFatalError() throws Exception {
    CompletableFuture<Parts> assembled = new CompletableFuture<>();
    TestService service = new TestService(config(infra.newTopicPrefix()), assembled::complete);
    AtomicInteger exit = new AtomicInteger(-1);
    ServiceRunner runner =
        ServiceRunner.builder("test")
            .add(service)
            .exit(exit::set)
            .errorOutput(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
            .build();
    CompletableFuture<Integer> run = CompletableFuture.supplyAsync(runner::run);

    assembled.get(60, TimeUnit.SECONDS).fail(new IllegalStateException("producer fenced"));

    assertThat(run.get(60, TimeUnit.SECONDS)).isEqualTo(ExitCodes.RUNTIME_FAILURE);
    await().atMost(Duration.ofSeconds(10)).until(() -> exit.get() == ExitCodes.RUNTIME_FAILURE);
  }

  private TestConfig config(String prefix) {
    Map<ClientType, Map<String, Object>> kafka = new EnumMap<>(ClientType.class);
    for (ClientType type : ClientType.values()) {
      kafka.put(type, Map.of("bootstrap.servers", infra.bootstrapServers()));
    }
    return new TestConfig(
        infra.registryUrl(),
        prefix,
        "127.0.0.1",
        0,
        new KafkaClients("test", kafka, 1, Path.of(System.getProperty("java.io.tmpdir")), "0"));
  }

  private Set<String> topicNames() throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
      return admin.listTopics().names().get(30, TimeUnit.SECONDS);
    }
  }

  private static List<String> names(Topics topics) {
    return topics.all().stream().map(Topic::name).toList();
  }

  private int status(int port, String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(5))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static Service recording(String name, List<String> journal) {
    return Service.of(name, () -> journal.add("start " + name), () -> journal.add("close " + name));
  }

  record TestConfig(
      String registryUrl,
      String topicPrefix,
      String managementHost,
      int managementPort,
      KafkaClients kafkaClients)
      implements ServiceConfig {}

  /** A service whose parts a test supplies. */
  static class TestService extends ServiceSkeleton<TestConfig> {
    private final Assembly assembly;
    private volatile Topics topics;

    TestService(TestConfig config, Assembly assembly) {
      super("test", config, Metrics.newRegistry());
      this.assembly = assembly;
    }

    @Override
    protected void assemble(Parts parts) throws Exception {
      topics = parts.topics();
      assembly.assemble(parts);
    }
  }

  @FunctionalInterface
  interface Assembly {
    void assemble(Parts parts) throws Exception;
  }
}
