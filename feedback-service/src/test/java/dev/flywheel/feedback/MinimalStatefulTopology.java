package dev.flywheel.feedback;

import dev.flywheel.events.ExampleSource;
import dev.flywheel.events.FeedbackKind;
import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.PredictionLogged;
import dev.flywheel.events.Provenance;
import dev.flywheel.schemas.ExampleIds;
import dev.flywheel.schemas.Holdout;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.Topics;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The benchmark's second baseline: the least work that the feedback rules cannot do without,
 * written directly with the Processor API. Each prediction is kept in one window store (the
 * feedback may come up to the join window later); each feedback event looks its prediction up and
 * yields the example its kind calls for; examples are repartitioned by example id and upserted in
 * one key-value store, whose value is written to the output. Nothing else: no validation, dead
 * letters, dedup, conflict rule, provenance merge, live quality or retrain trigger.
 *
 * <p>With {@code changelogs} false the stores are not logged: not fault-tolerant, so nothing a
 * service could run, but a ceiling for any way of restoring them other than a changelog.
 *
 * <p>Every one of these steps is required by the rules (the join to a prediction inside a
 * window, examples keyed by example id with one current label each), so this topology's speed
 * bounds the feedback topology's from above on the same machine: whatever the feedback topology can
 * reach relative to the pass-through, it cannot reach more than this.
 */
final class MinimalStatefulTopology {
  static final String PREDICTIONS_STORE = "minimal-predictions";
  static final String EXAMPLES_STORE = "minimal-examples";

  private MinimalStatefulTopology() {}

  /** Reads the topics of {@code topics}, writes examples to {@code output}. */
  static Topology build(
      Topics topics, List<String> labels, double holdout, String output, boolean changelogs) {
    Duration window = FeedbackSettings.defaults().joinWindow();
    Duration grace = FeedbackSettings.defaults().joinGrace();
    Topic<String, PredictionLogged> predictions = topics.predictions();
    Topic<String, FeedbackReceived> feedback = topics.feedback();
    Topic<String, LabeledExample> examples = topics.examples();
    StreamsBuilder builder = new StreamsBuilder();
    StoreBuilder<WindowStore<String, PredictionLogged>> predictionStore =
        Stores.windowStoreBuilder(
            Stores.persistentWindowStore(
                PREDICTIONS_STORE, window.plus(grace), window.plus(grace), false),
            Serdes.String(),
            predictions.valueSerde());
    StoreBuilder<KeyValueStore<String, LabeledExample>> exampleStore =
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(EXAMPLES_STORE), Serdes.String(), examples.valueSerde());
    if (!changelogs) {
      predictionStore.withLoggingDisabled();
      exampleStore.withLoggingDisabled();
    }
    builder.addStateStore(predictionStore);
    builder.addStateStore(exampleStore);
    builder.stream(
            predictions.name(), Consumed.with(predictions.keySerde(), predictions.valueSerde()))
        .process(KeepPrediction::new, Named.as("keep-prediction"), PREDICTIONS_STORE);
    builder.stream(feedback.name(), Consumed.with(feedback.keySerde(), feedback.valueSerde()))
        .process(
            () -> new Derive(window.toMillis(), grace.toMillis(), labels, holdout),
            Named.as("derive-example"),
            PREDICTIONS_STORE)
        .repartition(
            Repartitioned.<String, LabeledExample>as("minimal-candidates")
                .withKeySerde(Serdes.String())
                .withValueSerde(examples.valueSerde()))
        .processValues(Upsert::new, Named.as("upsert-example"), EXAMPLES_STORE)
        .to(output, Produced.with(examples.keySerde(), examples.valueSerde()));
    return builder.build();
  }

  private static final class KeepPrediction
      implements Processor<String, PredictionLogged, Void, Void> {
    private WindowStore<String, PredictionLogged> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(PREDICTIONS_STORE);
    }

    @Override
    public void process(Record<String, PredictionLogged> record) {
      store.put(record.key(), record.value(), record.timestamp());
    }
  }

  private static final class Derive
      implements Processor<String, FeedbackReceived, String, LabeledExample> {
    private final long windowMs;
    private final long graceMs;
    private final List<String> labels;
    private final double holdout;
    private ProcessorContext<String, LabeledExample> context;
    private WindowStore<String, PredictionLogged> store;

    Derive(long windowMs, long graceMs, List<String> labels, double holdout) {
      this.windowMs = windowMs;
      this.graceMs = graceMs;
      this.labels = labels;
      this.holdout = holdout;
    }

    @Override
    public void init(ProcessorContext<String, LabeledExample> context) {
      this.context = context;
      this.store = context.getStateStore(PREDICTIONS_STORE);
    }

    @Override
    public void process(Record<String, FeedbackReceived> record) {
      FeedbackReceived feedback = record.value();
      if (feedback.getKind() == FeedbackKind.EXAMPLE) {
        emit(record, feedback.getModel(), feedback.getText(), feedback.getLabel());
        return;
      }
      if (feedback.getKind() == FeedbackKind.COMMENT) {
        return;
      }
      PredictionLogged prediction = null;
      try (WindowStoreIterator<PredictionLogged> hits =
          store.fetch(record.key(), record.timestamp() - windowMs, record.timestamp() + graceMs)) {
        if (hits.hasNext()) {
          prediction = hits.next().value;
        }
      }
      if (prediction == null) {
        return;
      }
      String label =
          switch (feedback.getKind()) {
            case CORRECTION -> feedback.getLabel();
            case THUMBS_DOWN ->
                labels.get(0).equals(prediction.getLabel()) ? labels.get(1) : labels.get(0);
            default -> prediction.getLabel();
          };
      emit(record, prediction.getModel().getModel(), prediction.getInput(), label);
    }

    private void emit(
        Record<String, FeedbackReceived> record, String model, String text, String label) {
      String id = ExampleIds.of(model, text);
      LabeledExample example =
          LabeledExample.newBuilder()
              .setExampleId(id)
              .setModel(model)
              .setText(text)
              .setLabel(label)
              .setSource(ExampleSource.CORRECTION)
              .setWeight(1.0f)
              .setHoldout(Holdout.isHoldout(id, holdout))
              .setProvenance(
                  Provenance.newBuilder()
                      .setFeedbackIds(List.of(record.value().getFeedbackId()))
                      .setApps(List.of(record.value().getApp()))
                      .build())
              .setConflicts(0)
              .setTimestamp(record.value().getTimestamp())
              .build();
      context.forward(record.withKey(id).withValue(example));
    }
  }

  private static final class Upsert
      implements FixedKeyProcessor<String, LabeledExample, LabeledExample> {
    private FixedKeyProcessorContext<String, LabeledExample> context;
    private KeyValueStore<String, LabeledExample> store;

    @Override
    public void init(FixedKeyProcessorContext<String, LabeledExample> context) {
      this.context = context;
      this.store = context.getStateStore(EXAMPLES_STORE);
    }

    @Override
    public void process(FixedKeyRecord<String, LabeledExample> record) {
      LabeledExample current = store.get(record.key());
      LabeledExample next =
          current == null
              ? record.value()
              : LabeledExample.newBuilder(record.value())
                  .setConflicts(
                      current.getLabel().equals(record.value().getLabel())
                          ? current.getConflicts()
                          : current.getConflicts() + 1)
                  .build();
      store.put(record.key(), next);
      context.forward(record.withValue(next));
    }
  }
}
