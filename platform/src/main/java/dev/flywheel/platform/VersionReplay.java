package dev.flywheel.platform;

import dev.flywheel.common.snapshot.ExampleSnapshot;
import dev.flywheel.common.snapshot.ExampleSnapshotReader;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.schemas.AvroDeserializer;
import dev.flywheel.schemas.AvroSerdeConfig;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.reference.TfidfLogisticRegression;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Replays what one version of the loop was built from: the candidate's dataset snapshot read again
 * from the examples topic at its recorded offsets, split as the trainer and the evaluator split it.
 * Lets the demo and the loop benchmark put an offline model trained on exactly the same labels
 * beside each version, scored on exactly the same holdout. Not thread-safe: one per thread.
 */
final class VersionReplay implements AutoCloseable {

  /**
   * One version's examples.
   *
   * @param training what the trainer trained on: the snapshot's non-holdout examples with a label
   *     the candidate declares and a positive, finite weight, in example-id order
   * @param holdout what the evaluator scored the version on: the snapshot's holdout examples with a
   *     label the candidate declares
   */
  record Sets(List<Example> training, List<Example> holdout) {
    Sets {
      training = List.copyOf(training);
      holdout = List.copyOf(holdout);
    }
  }

  private final ExampleSnapshotReader reader;

  VersionReplay(String bootstrapServers, String registryUrl) {
    AvroDeserializer<LabeledExample> values = new AvroDeserializer<>();
    values.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registryUrl), false);
    this.reader =
        ExampleSnapshotReader.create(
            Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
            values,
            Duration.ofMinutes(2));
  }

  /** The examples {@code candidate} was trained and evaluated on. */
  Sets read(ModelCandidate candidate) {
    ExampleSnapshot snapshot =
        reader.readUpTo(candidate.getSnapshot(), candidate.getModel().getModel());
    return split(snapshot, candidate.getLabels());
  }

  /** The trainer's and the evaluator's view of a snapshot for a model with these labels. */
  static Sets split(ExampleSnapshot snapshot, List<String> labels) {
    Set<String> declared = new HashSet<>(labels);
    List<Example> training = new ArrayList<>();
    for (LabeledExample e : snapshot.training()) {
      float weight = e.getWeight();
      // The trainer's rule (TrainingSet): a declared label and a positive, finite weight.
      if (declared.contains(e.getLabel()) && weight > 0f && !Float.isInfinite(weight)) {
        training.add(new Example(e.getExampleId(), e.getText(), e.getLabel(), weight));
      }
    }
    List<Example> holdout = new ArrayList<>();
    for (LabeledExample e : snapshot.holdout()) {
      // The evaluator scores only labels the model knows.
      if (declared.contains(e.getLabel())) {
        holdout.add(new Example(e.getExampleId(), e.getText(), e.getLabel()));
      }
    }
    return new Sets(training, holdout);
  }

  /**
   * Holdout accuracy of the TF-IDF + logistic-regression reference fitted on the training examples;
   * null when there is nothing to fit or score (fewer than two labels, no holdout).
   */
  static Double referenceAccuracy(Sets sets) {
    long labels = sets.training().stream().map(Example::label).distinct().count();
    if (labels < 2 || sets.holdout().isEmpty()) {
      return null;
    }
    return TfidfLogisticRegression.fit(sets.training()).accuracy(sets.holdout());
  }

  @Override
  public void close() {
    reader.close();
  }
}
