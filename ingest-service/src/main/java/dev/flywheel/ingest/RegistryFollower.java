package dev.flywheel.ingest;

import dev.flywheel.events.ModelReleased;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the registry topics (specs, candidates, training failures, evaluations, releases) from the
 * beginning into a {@link RegistryView}, and keeps following them. {@link #start()} returns once
 * the view has caught up with the end offsets seen at start, so the registry routes answer
 * completely from the first request.
 */
final class RegistryFollower extends TopicsFollower {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryFollower.class);

  private final Topics topics;
  private final RegistryView view;
  private final Duration startTimeout;

  RegistryFollower(
      Consumer<byte[], byte[]> consumer,
      Topics topics,
      RegistryView view,
      Duration startTimeout,
      MeterRegistry metrics) {
    super(
        consumer,
        followed(topics),
        "flywheel.ingest.registry.skipped",
        "flywheel-ingest-registry",
        metrics);
    this.topics = topics;
    this.view = view;
    this.startTimeout = startTimeout;
  }

  @Override
  public String name() {
    return "registry-follower";
  }

  @Override
  public void start() throws Exception {
    super.start();
    if (!caughtUp.await(startTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(
          "the registry topics were not read within " + startTimeout + " (is Kafka reachable?)");
    }
    if (failure() != null) {
      throw new IllegalStateException("cannot follow the registry topics", failure());
    }
  }

  /** The topics the registry view is built from. */
  private static List<Topic<?, ?>> followed(Topics topics) {
    return List.of(
        topics.modelSpecs(),
        topics.candidates(),
        topics.trainingFailures(),
        topics.evaluations(),
        topics.releases());
  }

  @Override
  protected void onPartitions(Topic<?, ?> topic, int partitions) {
    if (topic == topics.releases()) {
      view.releasePartitions(partitions);
    }
  }

  @Override
  protected void onCaughtUp() {
    LOG.info(
        "Registry view caught up: {} models, {} releases",
        view.models().size(),
        view.releases().size());
  }

  @Override
  protected void apply(ConsumerRecord<byte[], byte[]> record) {
    String name = record.topic();
    if (name.equals(topics.modelSpecs().name())) {
      view.applySpec(decode(topics.modelSpecs(), record));
    } else if (name.equals(topics.candidates().name())) {
      view.applyCandidate(decode(topics.candidates(), record));
    } else if (name.equals(topics.trainingFailures().name())) {
      view.applyFailure(decode(topics.trainingFailures(), record));
    } else if (name.equals(topics.evaluations().name())) {
      view.applyEvaluation(decode(topics.evaluations(), record));
    } else if (name.equals(topics.releases().name())) {
      ModelReleased release = decode(topics.releases(), record);
      view.applyRelease(new ReleaseEntry(record.partition(), record.offset(), release));
    }
  }
}
