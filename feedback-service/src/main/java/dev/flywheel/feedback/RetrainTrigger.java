package dev.flywheel.feedback;

import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.RetrainReason;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.events.TriggerPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, per model, when to ask for a retrain, following the {@link TriggerPolicy} of the model's
 * spec (a model without a spec never triggers).
 *
 * <ul>
 *   <li>THRESHOLD: at least {@code minNewExamples} new non-holdout examples (first labels and
 *       changed labels) since the last request that the last trained snapshot did not already hold.
 *       Each candidate on the candidates topic says how many non-holdout examples its snapshot
 *       held; the model's distinct examples are numbered in the order they were first labelled, so
 *       first labels within that number are not new to it. A trainer that started late and took in
 *       examples counted after the request does not get a second request for them.
 *   <li>DRIFT: the champion (the model's latest release) has at least {@code driftMinFeedback}
 *       judged feedback since its release (or since the last drift request) and the upper bound of
 *       the 95 % Wilson interval of its live accuracy lies more than {@code driftMargin} below its
 *       offline {@code accuracy} metric. DRIFT wins when both hold.
 *   <li>Cooldown: no automatic request within {@code cooldownMillis} (wall clock) of the previous
 *       request, automatic or manual; a trigger held back by the cooldown fires at the first check
 *       after it ends ({@link FeedbackSettings#triggerCheckInterval()}).
 *   <li>MANUAL requests (from the gateway, on the retrain-requests topic) restart the example
 *       counter and the cooldown; this service's own requests on that topic are ignored.
 * </ul>
 *
 * A request resets the evidence behind it (the example counter; for DRIFT also the live counts), so
 * the same trigger never fires twice.
 */
final class RetrainTrigger implements Processor<String, ModelSignal, String, RetrainRequested> {
  private static final Logger LOG = LoggerFactory.getLogger(RetrainTrigger.class);

  /** The release metric the drift rule compares live accuracy with. */
  static final String OFFLINE_ACCURACY = "accuracy";

  private final String storeName;
  private final String specStoreName;
  private final String championStoreName;
  private final Duration checkInterval;
  private final FeedbackMetrics metrics;
  private ProcessorContext<String, RetrainRequested> context;
  private KeyValueStore<String, TriggerState> states;
  private ReadOnlyKeyValueStore<String, ValueAndTimestamp<ModelSpec>> specs;
  private ReadOnlyKeyValueStore<String, ValueAndTimestamp<ModelReleased>> champions;

  RetrainTrigger(
      String storeName,
      String specStoreName,
      String championStoreName,
      Duration checkInterval,
      FeedbackMetrics metrics) {
    this.storeName = storeName;
    this.specStoreName = specStoreName;
    this.championStoreName = championStoreName;
    this.checkInterval = checkInterval;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, RetrainRequested> context) {
    this.context = context;
    this.states = context.getStateStore(storeName);
    this.specs = context.getStateStore(specStoreName);
    this.champions = context.getStateStore(championStoreName);
    context.schedule(checkInterval, PunctuationType.WALL_CLOCK_TIME, this::checkAll);
  }

  @Override
  public void process(Record<String, ModelSignal> record) {
    ModelSignal signal = record.value();
    String model = signal.model();
    TriggerState state = states.get(model);
    if (state == null) {
      state = TriggerState.INITIAL;
    }
    long now = context.currentSystemTimeMs();
    switch (signal.kind()) {
      case EXAMPLE -> state = examples(model, state, signal, now);
      case JUDGEMENT -> {
        ModelReleased champion = champion(model);
        if (champion != null && champion.getModel().getVersion() == signal.version()) {
          state = state.withJudgements(signal.version(), signal.judged(), signal.correct());
        }
      }
      case MANUAL -> {
        LOG.info(
            "Manual retrain request {} for model {} restarts its counter",
            signal.requestId(),
            model);
        metrics.retrainRequest(RetrainReason.MANUAL);
        state = state.requested(now);
      }
      case TRAINED -> {
        TriggerState after = state.trained(signal.newExamples());
        if (after.newExamples() != state.newExamples()) {
          LOG.info(
              "Model {} v{} was trained on {} examples: {} counted examples were already in it",
              model,
              signal.version(),
              signal.newExamples(),
              state.newExamples() - after.newExamples());
        }
        state = after;
      }
      default -> throw new IllegalStateException("unknown signal " + signal.kind());
    }
    states.put(model, check(model, state, now));
  }

  /**
   * Adds folded example counts as if they came one by one: a batch that crosses the threshold fires
   * at the threshold, exactly as single examples would, and the rest counts towards the next
   * request. The batch's first-seen examples are taken to come first.
   */
  private TriggerState examples(String model, TriggerState state, ModelSignal signal, long now) {
    long changed = signal.newExamples();
    long first = signal.firstSeen();
    while (changed > 0) {
      long step = Math.min(changed, examplesUntilThreshold(model, state));
      long firstStep = Math.min(first, step);
      state = state.withExamples(firstStep, step);
      changed -= step;
      first -= firstStep;
      if (changed > 0) {
        state = check(model, state, now);
      }
    }
    return first > 0 ? state.withExamples(first, 0) : state;
  }

  /** How many more examples {@code state} takes to reach the threshold (all, if none applies). */
  private long examplesUntilThreshold(String model, TriggerState state) {
    ValueAndTimestamp<ModelSpec> found = specs.get(model);
    if (found == null) {
      return Long.MAX_VALUE;
    }
    long threshold = Math.max(1, found.value().getTrigger().getMinNewExamples());
    return state.newExamples() < threshold ? threshold - state.newExamples() : Long.MAX_VALUE;
  }

  private void checkAll(long now) {
    try (KeyValueIterator<String, TriggerState> all = states.all()) {
      while (all.hasNext()) {
        KeyValue<String, TriggerState> entry = all.next();
        TriggerState after = check(entry.key, entry.value, now);
        if (!after.equals(entry.value)) {
          states.put(entry.key, after);
        }
      }
    }
  }

  /** Emits a request when one is due and returns the state after it. */
  private TriggerState check(String model, TriggerState state, long now) {
    ValueAndTimestamp<ModelSpec> found = specs.get(model);
    if (found == null) {
      return state;
    }
    TriggerPolicy policy = found.value().getTrigger();
    if (state.lastRequestAt() >= 0 && now - state.lastRequestAt() < policy.getCooldownMillis()) {
      return state;
    }
    ModelReleased champion = champion(model);
    Double offline = offlineAccuracy(champion);
    boolean drift =
        policy.getDriftEnabled()
            && offline != null
            && champion.getModel().getVersion() == state.trackedVersion()
            && state.judged() > 0
            && state.judged() >= policy.getDriftMinFeedback()
            && Wilson.of(state.correct(), state.judged()).upper()
                < offline - policy.getDriftMargin();
    boolean threshold = state.newExamples() >= Math.max(1, policy.getMinNewExamples());
    if (!drift && !threshold) {
      return state;
    }
    RetrainReason reason = drift ? RetrainReason.DRIFT : RetrainReason.THRESHOLD;
    Double live = state.judged() == 0 ? null : (double) state.correct() / state.judged();
    RetrainRequested request =
        RetrainRequested.newBuilder()
            .setRequestId(UUID.randomUUID().toString())
            .setModel(model)
            .setReason(reason)
            .setNewExamples(state.newExamples())
            .setTotalExamples(state.totalExamples())
            .setLiveAccuracy(drift ? live : null)
            .setOfflineAccuracy(drift ? offline : null)
            .setChampionVersion(champion == null ? null : champion.getModel().getVersion())
            .setDetail(detail(reason, state, policy, offline))
            .setTimestamp(Instant.ofEpochMilli(now))
            .build();
    LOG.info(
        "Retrain request {} for model {}: {} ({})",
        request.getRequestId(),
        model,
        reason,
        request.getDetail());
    metrics.retrainRequest(reason);
    context.forward(new Record<>(model, request, now));
    return drift ? state.driftRequested(now) : state.requested(now);
  }

  private ModelReleased champion(String model) {
    ValueAndTimestamp<ModelReleased> release = champions.get(model);
    return release == null ? null : release.value();
  }

  private static Double offlineAccuracy(ModelReleased champion) {
    return champion == null ? null : champion.getMetrics().get(OFFLINE_ACCURACY);
  }

  private static String detail(
      RetrainReason reason, TriggerState state, TriggerPolicy policy, Double offline) {
    if (reason == RetrainReason.DRIFT) {
      Wilson live = Wilson.of(state.correct(), state.judged());
      return String.format(
          "live accuracy %.3f (95%% upper bound %.3f) of v%d over %d judged feedback is more than"
              + " %.3f below offline accuracy %.3f",
          live.estimate(),
          live.upper(),
          state.trackedVersion(),
          state.judged(),
          policy.getDriftMargin(),
          offline);
    }
    return state.newExamples()
        + " new non-holdout examples (threshold "
        + policy.getMinNewExamples()
        + ")"
        + (state.trainedExamples() > 0
            ? " beyond the " + state.trainedExamples() + " of the last trained snapshot"
            : "");
  }
}
