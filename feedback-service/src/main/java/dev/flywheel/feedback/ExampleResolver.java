package dev.flywheel.feedback;

import dev.flywheel.events.ExampleSource;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.Provenance;
import dev.flywheel.schemas.Topic;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the current label of every example and applies the conflict rule to each candidate.
 *
 * <p>The rule: a label from a correction, a submitted example or a two-label thumbs down (strong
 * evidence) beats a label from a thumbs up (a confirmation); among equally strong labels the one
 * with the later feedback timestamp wins, so the result does not depend on arrival order. A
 * confirmation therefore never overrides a correction. A candidate whose label differs from the
 * current one is a conflict, whichever wins: the example's {@code conflicts} count goes up and so
 * does the conflicts metric. A candidate that agrees with the current label adds its feedback to
 * the provenance and raises the weight to the stronger of the two.
 *
 * <p>Every candidate produces one new version of the example on the compacted examples topic. It is
 * serialized once, in the examples topic's format, for both the store and the topic.
 */
final class ExampleResolver implements FixedKeyProcessor<String, LabeledExample, Resolved> {
  /** Provenance keeps the latest this many feedback ids and apps, so records stay small. */
  static final int MAX_PROVENANCE = 20;

  private final String storeName;
  private final Topic<String, LabeledExample> examples;
  private final FeedbackMetrics metrics;
  private FixedKeyProcessorContext<String, Resolved> context;
  private KeyValueStore<String, byte[]> labels;

  /**
   * @param storeName the store of current labels, holding each example as {@code examples}'
   *     serializer wrote it
   */
  ExampleResolver(
      String storeName, Topic<String, LabeledExample> examples, FeedbackMetrics metrics) {
    this.storeName = storeName;
    this.examples = examples;
    this.metrics = metrics;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, Resolved> context) {
    this.context = context;
    this.labels = context.getStateStore(storeName);
  }

  @Override
  public void process(FixedKeyRecord<String, LabeledExample> record) {
    LabeledExample candidate = record.value();
    byte[] stored = labels.get(record.key());
    LabeledExample current =
        stored == null
            ? null
            : examples.valueSerde().deserializer().deserialize(examples.name(), stored);
    Resolved resolved = resolve(current, candidate);
    if (current != null && !current.getLabel().equals(candidate.getLabel())) {
      metrics.conflict();
    }
    byte[] bytes =
        examples.valueSerde().serializer().serialize(examples.name(), resolved.example());
    labels.put(record.key(), bytes);
    metrics.example(candidate.getSource());
    context.forward(record.withValue(resolved.withSerialized(bytes)));
  }

  /** The example after {@code candidate} meets {@code current} (null when there is none). */
  static Resolved resolve(LabeledExample current, LabeledExample candidate) {
    if (current == null) {
      return new Resolved(candidate, true, true);
    }
    if (current.getLabel().equals(candidate.getLabel())) {
      LabeledExample merged =
          LabeledExample.newBuilder(current)
              .setSource(
                  strength(candidate.getSource()) > strength(current.getSource())
                      ? candidate.getSource()
                      : current.getSource())
              .setWeight(Math.max(current.getWeight(), candidate.getWeight()))
              .setHoldout(candidate.getHoldout())
              .setProvenance(merge(current.getProvenance(), candidate.getProvenance()))
              .setTimestamp(later(current, candidate))
              .build();
      return new Resolved(merged, false, false);
    }
    int conflicts = current.getConflicts() + 1;
    if (wins(candidate, current)) {
      return new Resolved(
          LabeledExample.newBuilder(candidate).setConflicts(conflicts).build(), false, true);
    }
    return new Resolved(
        LabeledExample.newBuilder(current)
            .setConflicts(conflicts)
            .setHoldout(candidate.getHoldout())
            .build(),
        false,
        false);
  }

  private static boolean wins(LabeledExample candidate, LabeledExample current) {
    int byStrength =
        Integer.compare(strength(candidate.getSource()), strength(current.getSource()));
    if (byStrength != 0) {
      return byStrength > 0;
    }
    return !candidate.getTimestamp().isBefore(current.getTimestamp());
  }

  /** How strong the evidence for a label is: confirmations are weaker than everything else. */
  static int strength(ExampleSource source) {
    return switch (source) {
      case CONFIRMATION -> 1;
      case CORRECTION, SUBMITTED, THUMBS_DOWN_OTHER -> 2;
      case UNKNOWN -> 0;
    };
  }

  private static Instant later(LabeledExample a, LabeledExample b) {
    return a.getTimestamp().isAfter(b.getTimestamp()) ? a.getTimestamp() : b.getTimestamp();
  }

  private static Provenance merge(Provenance current, Provenance added) {
    return Provenance.newBuilder(current)
        .setFeedbackIds(lastDistinct(current.getFeedbackIds(), added.getFeedbackIds()))
        .setApps(lastDistinct(current.getApps(), added.getApps()))
        .setPredictionId(
            added.getPredictionId() != null ? added.getPredictionId() : current.getPredictionId())
        .setPredictedBy(
            added.getPredictedBy() != null ? added.getPredictedBy() : current.getPredictedBy())
        .build();
  }

  private static List<String> lastDistinct(List<String> current, List<String> added) {
    List<String> all = new ArrayList<>(current);
    for (String item : added) {
      all.remove(item);
      all.add(item);
    }
    return all.size() <= MAX_PROVENANCE
        ? all
        : new ArrayList<>(all.subList(all.size() - MAX_PROVENANCE, all.size()));
  }
}
