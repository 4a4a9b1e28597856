package dev.flywheel.ingest;

import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Follows the topics of the live loop (quality reports, retrain requests, examples, training
 * progress) from the beginning into an {@link ActivityView}, the way {@link RegistryFollower}
 * follows the registry. Unlike the registry it does not hold up the gateway's start: the examples
 * topic can be long, and the activity it feeds is a view for people, which fills in while the
 * gateway already serves.
 */
final class ActivityFollower extends TopicsFollower {
  private final Topics topics;
  private final ActivityView view;

  ActivityFollower(
      Consumer<byte[], byte[]> consumer, Topics topics, ActivityView view, MeterRegistry metrics) {
    super(
        consumer,
        followed(topics),
        "flywheel.ingest.activity.skipped",
        "flywheel-ingest-activity",
        metrics);
    this.topics = topics;
    this.view = view;
  }

  @Override
  public String name() {
    return "activity-follower";
  }

  private static List<Topic<?, ?>> followed(Topics topics) {
    return List.of(
        topics.quality(), topics.retrainRequests(), topics.examples(), topics.trainingProgress());
  }

  @Override
  protected void apply(ConsumerRecord<byte[], byte[]> record) {
    String name = record.topic();
    if (name.equals(topics.quality().name())) {
      view.applyQuality(decode(topics.quality(), record));
    } else if (name.equals(topics.retrainRequests().name())) {
      view.applyRetrainRequest(decode(topics.retrainRequests(), record));
    } else if (name.equals(topics.examples().name())) {
      view.applyExample(decode(topics.examples(), record), record.timestamp());
    } else if (name.equals(topics.trainingProgress().name())) {
      view.applyProgress(decode(topics.trainingProgress(), record));
    }
  }
}
