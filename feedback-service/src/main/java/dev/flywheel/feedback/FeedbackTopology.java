package dev.flywheel.feedback;

import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelRef;
import dev.flywheel.events.PredictionLogged;
import dev.flywheel.events.QualityReport;
import dev.flywheel.events.RetrainReason;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.schemas.Events;
import dev.flywheel.schemas.Topic;
import dev.flywheel.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.apache.kafka.streams.state.DslStoreSuppliers;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The feedback service's Kafka Streams topology, built by one pure function that the service and
 * the TopologyTestDriver tests share.
 *
 * <ol>
 *   <li><b>Intake</b>: predictions and feedback that break their contract go to the dead letters; a
 *       repeated idempotency id is dropped (window store {@value #DEDUP_STORE}, kept {@link
 *       FeedbackSettings#dedupRetention()}).
 *   <li><b>Join</b>: feedback (key: prediction id) meets its prediction in a left join ({@link
 *       PredictionJoin}, stores {@value #JOIN_PREDICTION_STORE}, {@value #JOIN_WAITING_STORE} and
 *       {@value #JOIN_DEADLINE_STORE}): the prediction may be up to {@link
 *       FeedbackSettings#joinWindow()} older than the feedback and up to {@link
 *       FeedbackSettings#joinGrace()} newer; feedback still without one when stream time passes its
 *       timestamp plus twice the grace is dead-lettered (UNMATCHED_FEEDBACK) and counted. Stream
 *       time is per task and moves with later predictions and feedback there. Submitted examples
 *       (kind EXAMPLE) pass through the join untouched.
 *   <li><b>Examples</b>: see {@link ExampleDerivation} for what each kind yields and {@link
 *       ExampleResolver} for the conflict rule; examples are keyed by {@code ExampleIds.of(model,
 *       text)} and flagged holdout by {@code Holdout.isHoldout(id, spec.holdoutShare)}, specs read
 *       as a global table ({@value #SPEC_STORE}).
 *   <li><b>Live quality</b>: per {@code model:vN}, tumbling windows of {@link
 *       FeedbackSettings#qualityWindow()} count predictions and matched feedback (store {@value
 *       #QUALITY_STORE}, served over HTTP) and publish a {@link QualityReport} on every update.
 *   <li><b>Retrain requests</b>: see {@link RetrainTrigger}; the champion of a model is its latest
 *       release (global table {@value #CHAMPION_STORE}).
 * </ol>
 *
 * Every operator, store and internal topic is named, so state survives changes to the topology.
 */
public final class FeedbackTopology {
  /** The service name in dead-letter headers. */
  public static final String SERVICE = FeedbackService.NAME;

  static final String PREDICTION_INTAKE = "prediction-intake";
  static final String FEEDBACK_INTAKE = "feedback-intake";
  static final String DEDUP_STORE = "feedback-dedup-store";
  static final String JOIN = "feedback-prediction-join";
  static final String JOIN_PREDICTION_STORE = "join-predictions-store";
  static final String JOIN_WAITING_STORE = "join-waiting-feedback-store";
  static final String JOIN_DEADLINE_STORE = "join-waiting-deadlines-store";
  static final String EXAMPLE_STORE = "example-labels-store";
  static final String QUALITY_STORE = "quality-store";
  static final String TRIGGER_STORE = "retrain-trigger-store";
  static final String SPEC_STORE = "model-specs-store";
  static final String CHAMPION_STORE = "champions-store";
  static final String QUALITY_REPARTITION = "quality-signals";
  static final String EXAMPLE_REPARTITION = "example-candidates";
  static final String SIGNAL_REPARTITION = "model-signals";
  static final String EXAMPLE_SIGNAL_REPARTITION = "example-signals";
  static final String CONTROL_SIGNAL_REPARTITION = "control-signals";
  static final String QUALITY_BUFFER_STORE = "quality-signals-buffer-store";
  static final String SIGNAL_BUFFER_STORE = "model-signals-buffer-store";

  /** The nodes that the example derivation's three kinds of output go to. */
  private static final Derived.Outlets DERIVED =
      new Derived.Outlets(
          "feedback-quality-signals", "example-candidate-values", "derived-rejection-values");

  private FeedbackTopology() {}

  /** The topology over the topics of {@code topics}. */
  public static Topology build(Topics topics, FeedbackSettings settings, FeedbackMetrics metrics) {
    StreamsBuilder builder = new StreamsBuilder();
    DslStoreSuppliers stores =
        settings.inMemoryStores()
            ? BuiltInDslStoreSuppliers.IN_MEMORY
            : BuiltInDslStoreSuppliers.ROCKS_DB;
    List<KStream<String, Rejection>> rejections = new ArrayList<>();
    addTablesAndStores(builder, topics, settings, stores);
    KStream<String, JoinInput> predictions =
        acceptedPredictions(builder, topics.predictions(), rejections);
    KStream<String, JoinInput> feedback =
        acceptedFeedback(builder, topics.feedback(), settings, metrics, rejections);
    KStream<String, Joined> joined = joinedWithPredictions(predictions, feedback, settings);
    KStream<String, Derived> derived = derived(joined, topics.feedback(), settings, metrics);
    // The derivation forwards each output to one of these three children by name (DERIVED).
    rejections.add(derived.mapValues(Derived::rejection, Named.as(DERIVED.rejections())));
    KStream<String, QualityCounts> qualityCounts =
        quality(
            topics,
            settings,
            metrics,
            stores,
            predictions,
            derived.mapValues(d -> QualityCounts.of(d.quality()), Named.as(DERIVED.quality())));
    KStream<String, Resolved> resolved =
        resolvedExamples(
            topics, metrics, derived.mapValues(Derived::example, Named.as(DERIVED.examples())));
    retrainRequests(builder, topics, settings, metrics, resolved, judgements(qualityCounts));

    deadLetters(topics, metrics, rejections);
    return builder.build();
  }

  /** The specs and champions as global tables, and every store the processors use. */
  private static void addTablesAndStores(
      StreamsBuilder builder, Topics topics, FeedbackSettings settings, DslStoreSuppliers stores) {
    Topic<String, FeedbackReceived> feedbackTopic = topics.feedback();
    globalTable(builder, topics.modelSpecs(), SPEC_STORE, stores);
    globalTable(builder, topics.releases(), CHAMPION_STORE, stores);
    builder.addStateStore(dedupStore(settings));
    builder.addStateStore(joinPredictionStore(settings, topics.predictions().valueSerde()));
    builder.addStateStore(
        keyValueStore(
            settings,
            JOIN_WAITING_STORE,
            PredictionJoin.Waiting.listSerde(
                Envelope.serde(feedbackTopic.name(), feedbackTopic.valueSerde()))));
    builder.addStateStore(keyValueStore(settings, JOIN_DEADLINE_STORE, Serdes.String()));
    // The same bytes as before with the examples' Avro serde: the resolver writes them itself.
    builder.addStateStore(keyValueStore(settings, EXAMPLE_STORE, Serdes.ByteArray()));
    // One key per model, updated by almost every event: the cache folds those updates into one
    // changelog record per commit.
    builder.addStateStore(
        keyValueStore(settings, TRIGGER_STORE, TriggerState.SERDE).withCachingEnabled());
    // Signals folded per task until the next commit (SignalBuffer); the cache is what folds them.
    builder.addStateStore(
        keyValueStore(
                settings,
                QUALITY_BUFFER_STORE,
                SignalBuffer.pendingSerde(
                    QualityCounts.DELTA_SERDE, QualityCounts.WRITER, QualityCounts.READER))
            .withCachingEnabled());
    builder.addStateStore(
        keyValueStore(
                settings,
                SIGNAL_BUFFER_STORE,
                SignalBuffer.pendingSerde(ModelSignal.SERDE, ModelSignal::write, ModelSignal::read))
            .withCachingEnabled());
  }

  /**
   * Predictions that keep their contract, as the join's input; the others join {@code rejections}.
   */
  private static KStream<String, JoinInput> acceptedPredictions(
      StreamsBuilder builder,
      Topic<String, PredictionLogged> predictionTopic,
      List<KStream<String, Rejection>> rejections) {
    return accepted(
        builder.stream(
                predictionTopic.name(),
                Consumed.with(predictionTopic.keySerde(), predictionTopic.valueSerde())
                    .withName("predictions-source"))
            .processValues(
                () -> new PredictionIntake(predictionTopic, Routed.Outlets.of(PREDICTION_INTAKE)),
                Named.as(PREDICTION_INTAKE)),
        PREDICTION_INTAKE,
        rejections);
  }

  /**
   * Feedback that keeps its contract and is not a repeat, as the join's input; the rest joins
   * {@code rejections} or, if a repeat, is dropped.
   */
  private static KStream<String, JoinInput> acceptedFeedback(
      StreamsBuilder builder,
      Topic<String, FeedbackReceived> feedbackTopic,
      FeedbackSettings settings,
      FeedbackMetrics metrics,
      List<KStream<String, Rejection>> rejections) {
    return accepted(
        builder.stream(
                feedbackTopic.name(),
                Consumed.with(feedbackTopic.keySerde(), feedbackTopic.valueSerde())
                    .withName("feedback-source"))
            .processValues(
                () ->
                    new FeedbackIntake(
                        DEDUP_STORE,
                        settings.dedupRetention(),
                        feedbackTopic,
                        metrics,
                        Routed.Outlets.of(FEEDBACK_INTAKE)),
                Named.as(FEEDBACK_INTAKE),
                DEDUP_STORE),
        FEEDBACK_INTAKE,
        rejections);
  }

  /**
   * Feedback on predictions joined with its prediction, and submitted examples passed through
   * ({@link PredictionJoin}).
   */
  private static KStream<String, Joined> joinedWithPredictions(
      KStream<String, JoinInput> predictions,
      KStream<String, JoinInput> feedback,
      FeedbackSettings settings) {
    return predictions
        .merge(feedback, Named.as("join-inputs"))
        .process(
            () ->
                new PredictionJoin(
                    JOIN_PREDICTION_STORE,
                    JOIN_WAITING_STORE,
                    JOIN_DEADLINE_STORE,
                    settings.joinWindow(),
                    settings.joinGrace()),
            Named.as(JOIN),
            JOIN_PREDICTION_STORE,
            JOIN_WAITING_STORE,
            JOIN_DEADLINE_STORE);
  }

  /**
   * What joined and submitted feedback yield ({@link ExampleDerivation}): quality signals, example
   * candidates and rejections, each forwarded to its own child of the returned stream ({@link
   * #DERIVED}).
   */
  private static KStream<String, Derived> derived(
      KStream<String, Joined> joined,
      Topic<String, FeedbackReceived> feedbackTopic,
      FeedbackSettings settings,
      FeedbackMetrics metrics) {
    return joined.process(
        () -> new ExampleDerivation(SPEC_STORE, feedbackTopic, settings, metrics, DERIVED),
        Named.as("example-derivation"));
  }

  /**
   * Example candidates, repartitioned by example id and resolved against earlier labels ({@link
   * ExampleResolver}); the resolved examples are written to the examples topic.
   */
  private static KStream<String, Resolved> resolvedExamples(
      Topics topics, FeedbackMetrics metrics, KStream<String, LabeledExample> candidates) {
    KStream<String, Resolved> resolved =
        candidates
            .repartition(
                Repartitioned.<String, LabeledExample>as(EXAMPLE_REPARTITION)
                    .withKeySerde(Serdes.String())
                    .withValueSerde(topics.examples().valueSerde())
                    .withNumberOfPartitions(internalPartitions(topics)))
            .processValues(
                () -> new ExampleResolver(EXAMPLE_STORE, topics.examples(), metrics),
                Named.as("example-resolver"),
                EXAMPLE_STORE);
    resolved
        .mapValues(Resolved::serialized, Named.as("resolved-examples"))
        .to(
            topics.examples().name(),
            Produced.with(topics.examples().keySerde(), Serdes.ByteArray())
                .withName("examples-sink"));
    return resolved;
  }

  /**
   * Live quality per model version and window; returns the counts folded per task ({@link
   * SignalBuffer}, keyed {@code model:vN}), as each flush sends them, before they are
   * repartitioned.
   */
  private static KStream<String, QualityCounts> quality(
      Topics topics,
      FeedbackSettings settings,
      FeedbackMetrics metrics,
      DslStoreSuppliers stores,
      KStream<String, JoinInput> predictions,
      KStream<String, QualityCounts> feedbackQuality) {
    Topic<String, QualityReport> qualityTopic = topics.quality();
    long windowMs = settings.qualityWindow().toMillis();
    KStream<String, QualityCounts> folded =
        predictions
            .map(
                (id, input) ->
                    KeyValue.pair(
                        Events.qualityKey(input.prediction().getModel()),
                        QualityCounts.of(QualitySignal.PREDICTION)),
                Named.as("prediction-quality-signals"))
            .merge(feedbackQuality, Named.as("quality-signals-merged"))
            .process(
                () ->
                    new SignalBuffer<QualityCounts>(
                        QUALITY_BUFFER_STORE,
                        (key, counts, timestamp) ->
                            SignalBuffer.windowBucket(key, timestamp, windowMs),
                        QualityCounts::plus),
                Named.as("quality-signal-buffer"),
                QUALITY_BUFFER_STORE);
    folded
        .repartition(
            Repartitioned.<String, QualityCounts>as(QUALITY_REPARTITION)
                .withKeySerde(Serdes.String())
                .withValueSerde(QualityCounts.DELTA_SERDE)
                .withNumberOfPartitions(internalPartitions(topics)))
        .groupByKey(Grouped.with(Serdes.String(), QualityCounts.DELTA_SERDE))
        .windowedBy(TimeWindows.ofSizeAndGrace(settings.qualityWindow(), settings.qualityGrace()))
        .aggregate(
            () -> QualityCounts.EMPTY,
            (key, delta, counts) -> counts.plus(delta),
            Named.as("quality-aggregate"),
            Materialized.<String, QualityCounts, WindowStore<Bytes, byte[]>>as(QUALITY_STORE)
                .withKeySerde(Serdes.String())
                .withValueSerde(QualityCounts.SERDE)
                .withRetention(settings.qualityRetention())
                .withStoreType(stores))
        .toStream(Named.as("quality-updates"))
        .map(
            (window, counts) -> KeyValue.pair(window.key(), report(window, counts)),
            Named.as("quality-reports"))
        .peek(
            (key, report) -> {
              if (report.getLiveAccuracy() != null) {
                metrics.liveAccuracy(
                    report.getModel().getModel(),
                    report.getModel().getVersion(),
                    report.getLiveAccuracy());
              }
            },
            Named.as("quality-gauges"))
        .to(
            qualityTopic.name(),
            Produced.with(qualityTopic.keySerde(), qualityTopic.valueSerde())
                .withName("quality-sink"));
    return folded;
  }

  /**
   * The judgements among folded quality counts (confirmations right, corrections and thumbs down
   * wrong), as signals for the drift rule of the counts' model.
   */
  private static KStream<String, ModelSignal> judgements(KStream<String, QualityCounts> counts) {
    return counts
        .filter((key, c) -> c.judged() > 0, Named.as("judged-quality-counts"))
        .map(
            (key, c) -> {
              ModelRef ref = Events.parseRef(key);
              return KeyValue.pair(
                  ref.getModel(),
                  ModelSignal.judgements(
                      ref.getModel(), ref.getVersion(), c.judged(), c.confirmations()));
            },
            Named.as("judgement-signals"));
  }

  /** Manual retrain requests (the trigger's own requests are not signals). */
  private static KStream<String, ModelSignal> manualSignals(
      StreamsBuilder builder, Topic<String, RetrainRequested> requests) {
    return builder.stream(
            requests.name(),
            Consumed.with(requests.keySerde(), requests.valueSerde())
                .withName("retrain-requests-source"))
        .filter(
            (model, request) -> request != null && request.getReason() == RetrainReason.MANUAL,
            Named.as("manual-requests"))
        .map(
            (model, request) ->
                KeyValue.pair(
                    request.getModel(),
                    ModelSignal.manual(request.getModel(), request.getRequestId())),
            Named.as("manual-signals"));
  }

  /** Each trained candidate: what the trigger counts new examples from. */
  private static KStream<String, ModelSignal> trainedSignals(
      StreamsBuilder builder, Topic<String, ModelCandidate> candidates) {
    return builder.stream(
            candidates.name(),
            Consumed.with(candidates.keySerde(), candidates.valueSerde())
                .withName("candidates-source"))
        .filter((model, candidate) -> candidate != null, Named.as("candidates-present"))
        .map(
            (model, candidate) ->
                KeyValue.pair(
                    candidate.getModel().getModel(),
                    ModelSignal.trained(
                        candidate.getModel().getModel(),
                        candidate.getModel().getVersion(),
                        candidate.getSnapshot().getTrainExamples())),
            Named.as("trained-signals"));
  }

  private static void retrainRequests(
      StreamsBuilder builder,
      Topics topics,
      FeedbackSettings settings,
      FeedbackMetrics metrics,
      KStream<String, Resolved> resolved,
      KStream<String, ModelSignal> judgements) {
    Topic<String, RetrainRequested> requests = topics.retrainRequests();
    KStream<String, ModelSignal> examples =
        resolved.map(
            (id, r) ->
                KeyValue.pair(
                    r.example().getModel(),
                    ModelSignal.example(
                        r.example().getModel(),
                        r.example().getHoldout(),
                        r.firstSeen(),
                        r.labelChanged())),
            Named.as("example-signals"));
    int partitions = internalPartitions(topics);
    // Three streams of signals, each leaving its own sub-topology through its own repartition
    // topic, so that no task reading predictions and feedback also reads the (nearly always
    // empty) partitions of other topics: Kafka Streams checks every input partition of a task
    // before each record it processes, and one left empty costs a formatted log line each time.
    KStream<String, ModelSignal> judged =
        judgements.repartition(signalRepartition(SIGNAL_REPARTITION, partitions));
    // Folded per model; the store's name is older than this use: it also held judgements, and
    // whatever of those an upgrade finds there is sent on with the next flush.
    KStream<String, ModelSignal> resolvedSignals =
        examples
            .process(
                () ->
                    new SignalBuffer<ModelSignal>(
                        SIGNAL_BUFFER_STORE,
                        (model, signal, timestamp) -> "E/" + model,
                        ModelSignal::plus),
                Named.as("model-signal-buffer"),
                SIGNAL_BUFFER_STORE)
            .repartition(signalRepartition(EXAMPLE_SIGNAL_REPARTITION, partitions));
    KStream<String, ModelSignal> control =
        manualSignals(builder, requests)
            .merge(trainedSignals(builder, topics.candidates()), Named.as("control-signals-merged"))
            .repartition(signalRepartition(CONTROL_SIGNAL_REPARTITION, partitions));
    judged
        .merge(resolvedSignals, Named.as("judgement-and-example-signals"))
        .merge(control, Named.as("all-model-signals"))
        .process(
            () ->
                new RetrainTrigger(
                    TRIGGER_STORE,
                    SPEC_STORE,
                    CHAMPION_STORE,
                    settings.triggerCheckInterval(),
                    metrics),
            Named.as("retrain-trigger"),
            TRIGGER_STORE)
        .to(
            requests.name(),
            Produced.with(requests.keySerde(), requests.valueSerde())
                .withName("retrain-requests-sink"));
  }

  private static Repartitioned<String, ModelSignal> signalRepartition(String name, int partitions) {
    return Repartitioned.<String, ModelSignal>as(name)
        .withKeySerde(Serdes.String())
        .withValueSerde(ModelSignal.SERDE)
        .withNumberOfPartitions(partitions);
  }

  /**
   * Partitions of every repartition topic: the most of any input topic's. The retrain trigger reads
   * three of them and keeps its state by model, so they must agree; and it is the count Kafka
   * Streams chose for the topics that already existed when all four inputs were one sub-topology.
   */
  static int internalPartitions(Topics topics) {
    return Math.max(
        Math.max(topics.predictions().partitions(), topics.feedback().partitions()),
        Math.max(topics.retrainRequests().partitions(), topics.candidates().partitions()));
  }

  private static void deadLetters(
      Topics topics, FeedbackMetrics metrics, List<KStream<String, Rejection>> rejections) {
    KStream<String, Rejection> all = rejections.get(0);
    for (int i = 1; i < rejections.size(); i++) {
      all = all.merge(rejections.get(i), Named.as("rejections-merged-" + i));
    }
    Topic<byte[], byte[]> deadLetters = topics.deadLetters();
    all.process(
            () -> new DeadLetterWriter(deadLetters.name(), SERVICE, metrics),
            Named.as("dead-letter-writer"))
        .to(
            deadLetters.name(),
            Produced.with(deadLetters.keySerde(), deadLetters.valueSerde())
                .withName("dead-letters-sink"));
  }

  /**
   * Keeps accepted values; sends rejections to {@code rejections}. The processor named {@code name}
   * forwards each to one of the two children made here ({@link Routed.Outlets#of}).
   */
  private static <T> KStream<String, T> accepted(
      KStream<String, Routed<T>> routed, String name, List<KStream<String, Rejection>> rejections) {
    Routed.Outlets outlets = Routed.Outlets.of(name);
    rejections.add(routed.mapValues(Routed::rejection, Named.as(outlets.rejected())));
    return routed.mapValues(Routed::value, Named.as(outlets.accepted()));
  }

  static QualityReport report(Windowed<String> window, QualityCounts counts) {
    String key = window.key();
    int colon = key.lastIndexOf(':');
    ModelRef ref =
        Events.ref(key.substring(0, colon), Events.parseVersion(key.substring(colon + 1)));
    Wilson accuracy = counts.accuracy();
    return QualityReport.newBuilder()
        .setModel(ref)
        .setWindowStart(window.window().startTime())
        .setWindowEnd(window.window().endTime())
        .setPredictions(counts.predictions())
        .setFeedback(counts.feedback())
        .setConfirmations(counts.confirmations())
        .setCorrections(counts.corrections())
        .setThumbsDown(counts.thumbsDown())
        .setComments(counts.comments())
        .setLiveAccuracy(accuracy == null ? null : accuracy.estimate())
        .setAccuracyLower(accuracy == null ? null : accuracy.lower())
        .setAccuracyUpper(accuracy == null ? null : accuracy.upper())
        .setConfidence(Wilson.CONFIDENCE)
        .setTimestamp(Instant.now())
        .build();
  }

  private static <V extends org.apache.avro.specific.SpecificRecord> void globalTable(
      StreamsBuilder builder, Topic<String, V> topic, String storeName, DslStoreSuppliers stores) {
    // Read per example, rarely changed: each value's bytes are decoded once. Kafka Streams gives a
    // global store the serdes of its Consumed, whatever the Materialized says.
    Serde<V> values = Memoized.serde(topic.valueSerde());
    builder.globalTable(
        topic.name(),
        Consumed.with(topic.keySerde(), values).withName(storeName + "-source"),
        Materialized.<String, V, KeyValueStore<Bytes, byte[]>>as(storeName)
            .withKeySerde(topic.keySerde())
            .withValueSerde(values)
            .withStoreType(stores));
  }

  private static StoreBuilder<WindowStore<String, Long>> dedupStore(FeedbackSettings settings) {
    Duration window = settings.dedupRetention();
    Duration retention = FeedbackIntake.storeRetention(window);
    WindowBytesStoreSupplier supplier =
        settings.inMemoryStores()
            ? Stores.inMemoryWindowStore(DEDUP_STORE, retention, window, false)
            : Stores.persistentWindowStore(DEDUP_STORE, retention, window, false);
    return Stores.windowStoreBuilder(supplier, Serdes.String(), Serdes.Long());
  }

  /**
   * Predictions kept for the join: a feedback event may come {@link FeedbackSettings#joinWindow()}
   * after its prediction, and is still looked up until stream time passes it by twice the grace.
   */
  private static StoreBuilder<WindowStore<String, PredictionLogged>> joinPredictionStore(
      FeedbackSettings settings, Serde<PredictionLogged> serde) {
    Duration span = settings.joinWindow().plus(settings.joinGrace());
    Duration retention = span.plus(settings.joinGrace());
    WindowBytesStoreSupplier supplier =
        settings.inMemoryStores()
            ? Stores.inMemoryWindowStore(JOIN_PREDICTION_STORE, retention, span, false)
            : Stores.persistentWindowStore(JOIN_PREDICTION_STORE, retention, span, false);
    return Stores.windowStoreBuilder(supplier, Serdes.String(), serde);
  }

  private static <V> StoreBuilder<KeyValueStore<String, V>> keyValueStore(
      FeedbackSettings settings, String name, Serde<V> valueSerde) {
    KeyValueBytesStoreSupplier supplier =
        settings.inMemoryStores()
            ? Stores.inMemoryKeyValueStore(name)
            : Stores.persistentKeyValueStore(name);
    return Stores.keyValueStoreBuilder(supplier, Serdes.String(), valueSerde);
  }
}
