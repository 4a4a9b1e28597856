package dev.flywheel.evaluator;

import dev.flywheel.common.snapshot.TopicTail;
import dev.flywheel.events.GatePolicy;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.QualityReport;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the evaluator knows about the world, read from the beginning of four topics with an
 * assigned (group-less, read_committed) consumer: the latest spec per model, the release history,
 * every candidate ever published (so an admin can promote any version), and the live quality of
 * each version. Rebuilt at every start, so nothing of it needs to be stored elsewhere. Used from
 * the evaluator's single loop thread only.
 */
final class StateView implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StateView.class);

  private record VersionKey(String model, int version) {}

  private final Consumer<byte[], byte[]> consumer;
  private TopicTail<byte[], byte[]> tail;
  private final Topic<String, ModelSpec> specsTopic;
  private final Topic<String, ModelReleased> releasesTopic;
  private final Topic<String, ModelCandidate> candidatesTopic;
  private final Topic<String, QualityReport> qualityTopic;
  private final Map<String, ModelSpec> specs = new HashMap<>();
  private final Map<VersionKey, ModelCandidate> candidates = new HashMap<>();
  private final ReleaseHistory releases = new ReleaseHistory();
  private final QualityLedger quality = new QualityLedger();
  private final Set<String> touched = new HashSet<>();
  private long skipped;

  StateView(Consumer<byte[], byte[]> consumer, Topics topics) {
    this.consumer = consumer;
    this.specsTopic = topics.modelSpecs();
    this.releasesTopic = topics.releases();
    this.candidatesTopic = topics.candidates();
    this.qualityTopic = topics.quality();
  }

  /** Reads the four topics from their beginning up to their current end. */
  void catchUp(Duration timeout) {
    tail =
        TopicTail.open(
            consumer,
            List.of(
                specsTopic.name(),
                releasesTopic.name(),
                candidatesTopic.name(),
                qualityTopic.name()),
            timeout);
    tail.catchUp(this::apply, timeout);
    LOG.info(
        "state rebuilt: {} specs, {} models released, {} candidates known",
        specs.size(),
        releases.models().size(),
        candidates.size());
  }

  /** Applies whatever has arrived since the last call, without waiting. */
  void refresh() {
    tail.poll(Duration.ZERO, this::apply);
  }

  /** Models whose releases or quality changed since the last call (rollback candidates). */
  Set<String> drainTouched() {
    Set<String> result = Set.copyOf(touched);
    touched.clear();
    return result;
  }

  /** Marks a model to be looked at again. */
  void touch(String model) {
    touched.add(model);
  }

  /** Records a release this evaluator has just committed. */
  void released(ModelReleased release) {
    if (releases.apply(release)) {
      touched.add(release.getModel().getModel());
    }
  }

  ReleaseHistory releases() {
    return releases;
  }

  QualityLedger quality() {
    return quality;
  }

  /** The gate policy of a model: its spec's, or the defaults when no spec was published. */
  GatePolicy policy(String model) {
    ModelSpec spec = specs.get(model);
    return spec == null ? GatePolicy.newBuilder().build() : spec.getGate();
  }

  boolean hasSpec(String model) {
    return specs.containsKey(model);
  }

  Optional<ModelCandidate> candidate(String model, int version) {
    return Optional.ofNullable(candidates.get(new VersionKey(model, version)));
  }

  /** Records of the state topics that could not be read and were skipped. */
  long skipped() {
    return skipped;
  }

  private void apply(ConsumerRecord<byte[], byte[]> record) {
    String topic = record.topic();
    try {
      if (topic.equals(specsTopic.name())) {
        applySpec(record);
      } else if (topic.equals(releasesTopic.name())) {
        if (record.value() != null) {
          released(releasesTopic.valueSerde().deserializer().deserialize(topic, record.value()));
        }
      } else if (topic.equals(candidatesTopic.name())) {
        if (record.value() != null) {
          ModelCandidate c =
              candidatesTopic.valueSerde().deserializer().deserialize(topic, record.value());
          candidates.put(new VersionKey(c.getModel().getModel(), c.getModel().getVersion()), c);
        }
      } else if (topic.equals(qualityTopic.name()) && record.value() != null) {
        QualityReport report =
            qualityTopic.valueSerde().deserializer().deserialize(topic, record.value());
        quality.apply(report);
        touched.add(report.getModel().getModel());
      }
    } catch (SerializationException e) {
      // These topics are read again from the start at every restart: dead-lettering a bad record
      // here would park it again each time. The consumers that own them dead-letter it once.
      skipped++;
      LOG.warn(
          "skipping unreadable record {}-{}@{}: {}",
          topic,
          record.partition(),
          record.offset(),
          e.getMessage());
    }
  }

  private void applySpec(ConsumerRecord<byte[], byte[]> record) {
    String model =
        record.key() == null
            ? null
            : specsTopic.keySerde().deserializer().deserialize(record.topic(), record.key());
    if (record.value() == null) {
      if (model != null) {
        specs.remove(model);
      }
      return;
    }
    ModelSpec spec =
        specsTopic.valueSerde().deserializer().deserialize(record.topic(), record.value());
    specs.put(spec.getName(), spec);
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
