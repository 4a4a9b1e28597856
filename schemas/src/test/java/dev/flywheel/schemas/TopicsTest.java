package dev.flywheel.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.events.ModelReleased;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TopicsTest {
  private final SchemaRegistryClient registry = SchemaRegistryClient.create("http://unused:1");

  @AfterEach
  void close() {
    registry.close();
  }

  @Test
  void shouldNameEveryTopicKebabCaseWithThePrefix() {
    Topics topics = Topics.create(registry);
    assertThat(topics.all())
        .extracting(Topic::name)
        .containsExactly(
            "flywheel-model-specs",
            "flywheel-predictions",
            "flywheel-feedback",
            "flywheel-examples",
            "flywheel-retrain-requests",
            "flywheel-training-progress",
            "flywheel-candidates",
            "flywheel-training-failures",
            "flywheel-evaluations",
            "flywheel-releases",
            "flywheel-release-requests",
            "flywheel-quality",
            "flywheel-dead-letters");
    assertThat(Topics.create("acme", registry).feedback().name()).isEqualTo("acme-feedback");
    assertThat(Topics.create("t3f9a1c2e-", registry).feedback().name())
        .isEqualTo("t3f9a1c2e-feedback");
    assertThat(Topics.create("t3f9a1c2e-", registry).prefix()).isEqualTo("t3f9a1c2e");
  }

  @Test
  void shouldDeclareLayoutAndRetentionPerTopic() {
    Topics topics = Topics.create("t", registry);
    assertThat(topics.modelSpecs().partitions()).isEqualTo(1);
    assertThat(topics.modelSpecs().cleanupPolicy()).isEqualTo(CleanupPolicy.COMPACT);
    assertThat(topics.examples().cleanupPolicy()).isEqualTo(CleanupPolicy.COMPACT);
    assertThat(topics.examples().partitions()).isEqualTo(3);
    assertThat(topics.predictions().partitions()).isEqualTo(topics.feedback().partitions());
    assertThat(topics.releases().partitions()).isEqualTo(1);
    assertThat(topics.releaseRequests().partitions()).isEqualTo(1);
    assertThat(topics.trainingProgress().retention()).contains(Duration.ofDays(1));
    assertThat(topics.deadLetters().retention()).contains(Duration.ofDays(14));
    assertThat(topics.feedback().retention()).isEmpty();
    assertThat(topics.releases().configs())
        .containsEntry("retention.ms", "-1")
        .containsEntry("cleanup.policy", "delete");
    assertThat(topics.trainingProgress().configs()).containsEntry("retention.ms", "86400000");
    assertThat(topics.examples().configs())
        .containsEntry("cleanup.policy", "compact")
        .doesNotContainKey("retention.ms");
  }

  @Test
  void shouldCarryTypedSerdes() {
    Topics topics = Topics.create("t", registry);
    assertThat(topics.feedback().valueClass()).isEqualTo(FeedbackReceived.class);
    assertThat(topics.releases().valueClass()).isEqualTo(ModelReleased.class);
    assertThat(topics.feedback().valueSerde()).isInstanceOf(AvroSerde.class);
    assertThat(topics.feedback().keySerde().serializer().serialize("t", "p-1"))
        .isEqualTo("p-1".getBytes(StandardCharsets.UTF_8));
    assertThat(topics.deadLetters().valueClass()).isEqualTo(byte[].class);
    assertThat(topics.deadLetters().valueSerde().getClass())
        .isEqualTo(Serdes.ByteArray().getClass());
  }

  @Test
  void shouldApplyPartitionOverridesAndKeepFeedbackCoPartitioned() {
    Topics topics =
        Topics.create("t", registry, Map.of("predictions", 12, "feedback", 12, "examples", 6));
    assertThat(topics.predictions().partitions()).isEqualTo(12);
    assertThat(topics.feedback().partitions()).isEqualTo(12);
    assertThat(topics.examples().partitions()).isEqualTo(6);
    assertThat(topics.quality().partitions()).isEqualTo(3);

    assertThatThrownBy(() -> Topics.create("t", registry, Map.of("feedback", 6)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("same partition count");
    assertThatThrownBy(() -> Topics.create("t", registry, Map.of("feedbacks", 6)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("feedbacks");
  }

  @Test
  void shouldRejectAPrefixThatIsNoLegalTopicName() {
    assertThatThrownBy(() -> Topics.create("my prefix", registry))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Topics.create("-", registry))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Topics.create("", registry))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldBuildTheAdminRequestFromTheDeclaration() {
    NewTopic request = Topics.create("t", registry).releases().newTopic((short) 3);
    assertThat(request.name()).isEqualTo("t-releases");
    assertThat(request.numPartitions()).isEqualTo(1);
    assertThat(request.replicationFactor()).isEqualTo((short) 3);
    assertThat(request.configs()).containsEntry("retention.ms", "-1");
  }

  @Test
  void shouldFindATopicByItsFullName() {
    Topics topics = Topics.create("t", registry);
    assertThat(topics.byName("t-quality")).contains(topics.quality());
    assertThat(topics.byName("flywheel-quality")).isEmpty();
  }
}
