package dev.flywheel.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedInfraExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TopicEnsurerIT {
  private final EmbeddedInfra infra;
  private SchemaRegistryClient registry;
  private Topics topics;
  private Admin admin;

  TopicEnsurerIT(EmbeddedInfra infra) {
    this.infra = infra;
  }

  @BeforeEach
  void setUp() {
    registry = SchemaRegistryClient.create(infra.registryUrl());
    topics = Topics.create(infra.newTopicPrefix(), registry);
    admin = KafkaClients.admin(infra);
  }

  @AfterEach
  void tearDown() {
    admin.close();
    registry.close();
  }

  @Test
  void shouldCreateEveryTopicAsDeclaredAndFindThemAllOkTheSecondTime() throws Exception {
    List<String> names = topics.all().stream().map(Topic::name).sorted().toList();

    EnsureReport first = TopicEnsurer.ensure(admin, topics, (short) 1);
    assertThat(first.created()).containsExactlyElementsOf(names);
    assertThat(first.alreadyOk()).isEmpty();
    assertThat(first.isClean()).isTrue();

    Map<String, TopicDescription> described =
        admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
    for (Topic<?, ?> topic : topics.all()) {
      assertThat(described.get(topic.name()).partitions()).hasSize(topic.partitions());
    }
    ConfigResource releases =
        new ConfigResource(ConfigResource.Type.TOPIC, topics.releases().name());
    ConfigResource examples =
        new ConfigResource(ConfigResource.Type.TOPIC, topics.examples().name());
    Map<ConfigResource, Config> configs =
        admin.describeConfigs(List.of(releases, examples)).all().get(30, TimeUnit.SECONDS);
    assertThat(configs.get(releases).get("retention.ms").value()).isEqualTo("-1");
    assertThat(configs.get(examples).get("cleanup.policy").value()).isEqualTo("compact");

    EnsureReport second = TopicEnsurer.ensure(admin, topics, (short) 1);
    assertThat(second.created()).isEmpty();
    assertThat(second.alreadyOk()).containsExactlyElementsOf(names);
    assertThat(second.mismatches()).isEmpty();
  }

  @Test
  void shouldReportAMismatchAndLeaveTheTopicAsItIs() throws Exception {
    String feedback = topics.feedback().name();
    admin
        .createTopics(List.of(new NewTopic(feedback, 5, (short) 1)))
        .all()
        .get(30, TimeUnit.SECONDS);

    EnsureReport report = TopicEnsurer.ensure(admin, topics, (short) 1);

    assertThat(report.mismatches())
        .containsExactly(new EnsureReport.Mismatch(feedback, "partitions", "3", "5"));
    assertThat(report.isClean()).isFalse();
    assertThat(report.partitionsOf(topics.feedback())).isEqualTo(5);
    assertThat(report.partitionsOf(topics.predictions())).isEqualTo(3);
    assertThat(report.created()).hasSize(topics.all().size() - 1).doesNotContain(feedback);
    assertThat(report.alreadyOk()).isEmpty();
    TopicDescription after =
        admin
            .describeTopics(List.of(feedback))
            .allTopicNames()
            .get(30, TimeUnit.SECONDS)
            .get(feedback);
    assertThat(after.partitions()).hasSize(5);
  }

  @Test
  void shouldReportADifferentCleanupPolicyAndRetention() throws Exception {
    String examples = topics.examples().name();
    String releases = topics.releases().name();
    admin
        .createTopics(
            List.of(
                new NewTopic(examples, 3, (short) 1).configs(Map.of("cleanup.policy", "delete")),
                new NewTopic(releases, 1, (short) 1).configs(Map.of("retention.ms", "3600000"))))
        .all()
        .get(30, TimeUnit.SECONDS);

    EnsureReport report = TopicEnsurer.ensure(admin, topics, (short) 1);

    assertThat(report.mismatches())
        .containsExactlyInAnyOrder(
            new EnsureReport.Mismatch(examples, "cleanup.policy", "compact", "delete"),
            new EnsureReport.Mismatch(releases, "retention.ms", "-1", "3600000"));
  }

  @Test
  void shouldSurviveTwoServicesEnsuringAtOnce() throws Exception {
    CompletableFuture<EnsureReport> a =
        CompletableFuture.supplyAsync(() -> TopicEnsurer.ensure(admin, topics, (short) 1));
    CompletableFuture<EnsureReport> b =
        CompletableFuture.supplyAsync(() -> TopicEnsurer.ensure(admin, topics, (short) 1));
    EnsureReport first = a.get(60, TimeUnit.SECONDS);
    EnsureReport second = b.get(60, TimeUnit.SECONDS);

    assertThat(first.isClean()).isTrue();
    assertThat(second.isClean()).isTrue();
    Set<String> everyTopic = Set.copyOf(topics.all().stream().map(Topic::name).toList());
    // Each topic was created exactly once, by one of the two; the other found it as declared.
    Set<String> createdByBoth = new HashSet<>(first.created());
    createdByBoth.retainAll(second.created());
    assertThat(createdByBoth).isEmpty();
    Set<String> created = new HashSet<>(first.created());
    created.addAll(second.created());
    assertThat(created).isEqualTo(everyTopic);
  }
}
