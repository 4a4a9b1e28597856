package dev.flywheel.feedback;

import static dev.flywheel.feedback.TestEvents.candidate;
import static dev.flywheel.feedback.TestEvents.example;
import static dev.flywheel.feedback.TestEvents.feedback;
import static dev.flywheel.feedback.TestEvents.manualRequest;
import static dev.flywheel.feedback.TestEvents.policy;
import static dev.flywheel.feedback.TestEvents.prediction;
import static dev.flywheel.feedback.TestEvents.release;
import static dev.flywheel.feedback.TestEvents.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.events.ExampleSource;
import dev.flywheel.events.FeedbackKind;
import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.QualityReport;
import dev.flywheel.events.RetrainReason;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.events.TriggerPolicy;
import dev.flywheel.schemas.DeadLetters;
import dev.flywheel.schemas.DeadLetters.DeadLetter;
import dev.flywheel.schemas.ExampleIds;
import dev.flywheel.schemas.Holdout;
import dev.flywheel.schemas.SchemaRegistryClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedInfraExtension.class)
class FeedbackTopologyTest {
  static final FeedbackSettings SETTINGS =
      FeedbackSettings.defaults()
          .withJoin(Duration.ofHours(1), Duration.ofMinutes(1))
          .withQualityWindow(Duration.ofMinutes(5), Duration.ofMinutes(1))
          .withTriggerCheckInterval(Duration.ofSeconds(1));
  static final String SENTIMENT = "sentiment";
  static final String TOPICS = "topics";
  static final List<String> BINARY = List.of("negative", "positive");
  static final TriggerPolicy QUIET = policy(1_000_000, 0, false, 50, 0.05);

  private static SchemaRegistryClient registry;

  /** One prefix for the class: subjects registered once, then served from the client's cache. */
  private static String prefix;

  private final EmbeddedInfra infra;
  private TopologyHarness t;

  FeedbackTopologyTest(EmbeddedInfra infra) {
    this.infra = infra;
  }

  @BeforeEach
  void start() throws Exception {
    synchronized (FeedbackTopologyTest.class) {
      if (registry == null) {
        registry = SchemaRegistryClient.create(infra.registryUrl());
        prefix = TopologyHarness.prefix(infra.newTopicPrefix());
      }
    }
    t = new TopologyHarness(registry, prefix, SETTINGS);
    t.specs.pipeInput(SENTIMENT, spec(SENTIMENT, BINARY, 0.0, QUIET));
    t.specs.pipeInput(
        TOPICS, spec(TOPICS, List.of("sports", "politics", "science", "arts"), 0.0, QUIET));
  }

  @AfterEach
  void stop() {
    t.close();
  }

  @AfterAll
  static void closeRegistry() {
    if (registry != null) {
      registry.close();
      registry = null;
    }
  }

  // --- join ---------------------------------------------------------------------------------

  @Test
  void shouldConfirmThePredictedLabelWhenThumbsUpArrivesInsideTheWindow() {
    predict("p1", SENTIMENT, 1, "Great movie", "positive", at(0));
    FeedbackReceived up = send(FeedbackKind.THUMBS_UP, "p1", null, at(30));

    LabeledExample example = onlyExample();
    assertThat(example.getExampleId()).isEqualTo(ExampleIds.of(SENTIMENT, "Great movie"));
    assertThat(example.getLabel()).isEqualTo("positive");
    assertThat(example.getSource()).isEqualTo(ExampleSource.CONFIRMATION);
    assertThat(example.getWeight()).isEqualTo(0.5f);
    assertThat(example.getHoldout()).isFalse();
    assertThat(example.getProvenance().getFeedbackIds()).containsExactly(up.getFeedbackId());
    assertThat(example.getProvenance().getApps()).containsExactly("app-1");
    assertThat(example.getProvenance().getPredictionId()).isEqualTo("p1");
    assertThat(example.getProvenance().getPredictedBy().getVersion()).isEqualTo(1);
    assertThat(t.deadLetters.isEmpty()).isTrue();
  }

  @Test
  void shouldJoinFeedbackThatArrivesShortlyBeforeItsPrediction() {
    send(FeedbackKind.THUMBS_UP, "p1", null, at(1));
    predict("p1", SENTIMENT, 1, "Great movie", "positive", at(0));

    assertThat(onlyExample().getLabel()).isEqualTo("positive");
  }

  @Test
  void shouldJoinEveryFeedbackEventThatWaitedForItsPrediction() {
    send(FeedbackKind.THUMBS_UP, "p1", null, at(1));
    send(FeedbackKind.CORRECTION, "p1", "negative", at(1));
    predict("p1", SENTIMENT, 1, "Not my thing", "positive", at(0));
    advanceStreamTime(at(10));

    List<LabeledExample> versions = t.examples.readValuesToList();
    assertThat(versions).hasSize(2);
    assertThat(versions.get(1).getLabel()).isEqualTo("negative");
    assertThat(t.deadLetters.isEmpty()).isTrue();
  }

  @Test
  void shouldNotJoinFeedbackToAPredictionMadeMoreThanTheGraceAfterIt() {
    FeedbackReceived early = send(FeedbackKind.THUMBS_UP, "p1", null, at(0));
    predict("p1", SENTIMENT, 1, "Great movie", "positive", at(2));
    advanceStreamTime(at(10));

    assertThat(t.examples.isEmpty()).isTrue();
    onlyDeadLetter("UNMATCHED_FEEDBACK", early);
  }

  @Test
  void shouldJoinFeedbackOnceWhenItsPredictionWasLoggedTwice() {
    predict("p1", SENTIMENT, 1, "Great movie", "positive", at(0));
    predict("p1", SENTIMENT, 1, "Great movie", "positive", at(0));
    send(FeedbackKind.THUMBS_UP, "p1", null, at(1));

    assertThat(onlyExample().getLabel()).isEqualTo("positive");
  }

  @Test
  void shouldDeadLetterFeedbackWhosePredictionNeverArrives() {
    FeedbackReceived lonely = send(FeedbackKind.THUMBS_UP, "missing", null, at(0));
    advanceStreamTime(at(10));

    assertThat(t.examples.isEmpty()).isTrue();
    DeadLetter letter = onlyDeadLetter("UNMATCHED_FEEDBACK", lonely);
    assertThat(letter.sourceTopic()).isEqualTo(t.topics.feedback().name());
    assertThat(letter.sourceOffset()).isZero();
    assertThat(t.counter("flywheel.feedback.unmatched")).isEqualTo(1.0);
  }

  @Test
  void shouldStillExpireWaitingFeedbackAfterEarlierWaitingFeedbackWasJoined() {
    // The expiry check runs only while feedback waits: stopped once p1 arrives, started again.
    send(FeedbackKind.THUMBS_UP, "p1", null, at(1));
    predict("p1", SENTIMENT, 1, "Great movie", "positive", at(0));
    advanceStreamTime(at(10));
    FeedbackReceived lonely = send(FeedbackKind.THUMBS_UP, "missing", null, at(11));
    advanceStreamTime(at(20));

    assertThat(onlyExample().getLabel()).isEqualTo("positive");
    onlyDeadLetter("UNMATCHED_FEEDBACK", lonely);
  }

  @Test
  void shouldExpireManyWaitingFeedbackEventsEachOnceInDeadlineOrder() {
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      // Ids in the opposite order to their deadlines.
      String id = String.format("missing-%03d", 299 - i);
      send(FeedbackKind.THUMBS_UP, id, null, at(0).plusSeconds(i));
      sent.add(id);
    }
    send(FeedbackKind.THUMBS_UP, "p1", null, at(1));
    predict("p1", SENTIMENT, 1, "Great movie", "positive", at(1));
    advanceStreamTime(at(30));

    assertThat(onlyExample().getLabel()).isEqualTo("positive");
    List<String> expired = new ArrayList<>();
    while (!t.deadLetters.isEmpty()) {
      expired.add(new String(t.deadLetters.readRecord().key(), StandardCharsets.UTF_8));
    }
    assertThat(expired).containsExactlyElementsOf(sent);
    assertThat(t.counter("flywheel.feedback.unmatched")).isEqualTo(300.0);
  }

  @Test
  void shouldExpireFeedbackThatAVersionWithoutTheDeadlineIndexLeftWaiting() {
    FeedbackReceived left = feedback(FeedbackKind.THUMBS_UP, "gone", null, "left", at(0));
    t.driver
        .<String, List<PredictionJoin.Waiting>>getKeyValueStore(FeedbackTopology.JOIN_WAITING_STORE)
        .put(
            "gone",
            List.of(
                new PredictionJoin.Waiting(
                    at(0).toEpochMilli(), new Envelope(left, t.topics.feedback().name(), 0, 0))));
    advanceStreamTime(at(10));

    onlyDeadLetter("UNMATCHED_FEEDBACK", left);
  }

  @Test
  void shouldNotJoinFeedbackArrivingAfterTheWindow() {
    predict("p1", SENTIMENT, 1, "Great movie", "positive", at(0));
    FeedbackReceived late = send(FeedbackKind.THUMBS_UP, "p1", null, at(61));
    advanceStreamTime(at(70));

    assertThat(t.examples.isEmpty()).isTrue();
    onlyDeadLetter("UNMATCHED_FEEDBACK", late);
  }

  // --- feedback kinds -------------------------------------------------------------------------

  @Test
  void shouldTurnACorrectionIntoAFullWeightExampleWithTheCorrectedLabel() {
    predict("p1", SENTIMENT, 1, "Not my thing", "positive", at(0));
    send(FeedbackKind.CORRECTION, "p1", "negative", at(1));

    LabeledExample example = onlyExample();
    assertThat(example.getLabel()).isEqualTo("negative");
    assertThat(example.getSource()).isEqualTo(ExampleSource.CORRECTION);
    assertThat(example.getWeight()).isEqualTo(1.0f);
  }

  @Test
  void shouldTurnThumbsDownOnATwoLabelModelIntoTheOtherLabel() {
    predict("p1", SENTIMENT, 1, "Not my thing", "positive", at(0));
    send(FeedbackKind.THUMBS_DOWN, "p1", null, at(1));

    LabeledExample example = onlyExample();
    assertThat(example.getLabel()).isEqualTo("negative");
    assertThat(example.getSource()).isEqualTo(ExampleSource.THUMBS_DOWN_OTHER);
  }

  @Test
  void shouldCountThumbsDownOnAManyLabelModelWithoutAnExample() {
    predict("p1", TOPICS, 1, "The match ended 2-1", "politics", at(0));
    send(FeedbackKind.THUMBS_DOWN, "p1", null, at(1));

    assertThat(t.examples.isEmpty()).isTrue();
    assertThat(t.counter("flywheel.feedback.thumbs.down.without.example")).isEqualTo(1.0);
    QualityReport report = lastReport("topics:v1");
    assertThat(report.getThumbsDown()).isEqualTo(1);
    assertThat(report.getLiveAccuracy()).isEqualTo(0.0);
  }

  @Test
  void shouldCountACommentInLiveQualityWithoutAnExample() {
    predict("p1", SENTIMENT, 1, "Great movie", "positive", at(0));
    send(FeedbackKind.COMMENT, "p1", null, at(1));

    assertThat(t.examples.isEmpty()).isTrue();
    QualityReport report = lastReport("sentiment:v1");
    assertThat(report.getComments()).isEqualTo(1);
    assertThat(report.getFeedback()).isEqualTo(1);
    assertThat(report.getLiveAccuracy()).isNull();
  }

  @Test
  void shouldPassSubmittedExamplesStraightThrough() {
    t.feedback.pipeInput("ignored", example(SENTIMENT, "Loved  it", "positive", at(0)), at(0));

    TestRecord<String, LabeledExample> record = t.examples.readRecord();
    assertThat(record.key()).isEqualTo(ExampleIds.of(SENTIMENT, "loved it"));
    assertThat(record.value().getSource()).isEqualTo(ExampleSource.SUBMITTED);
    assertThat(record.value().getWeight()).isEqualTo(1.0f);
    assertThat(record.value().getProvenance().getApps()).containsExactly("app-2");
    assertThat(record.value().getProvenance().getPredictionId()).isNull();
  }

  @Test
  void shouldDecodeAStoredSpecOnceHoweverOftenItIsRead() {
    KeyValueStore<String, ValueAndTimestamp<ModelSpec>> specs =
        t.driver.getTimestampedKeyValueStore(FeedbackTopology.SPEC_STORE);
    ModelSpec first = specs.get(SENTIMENT).value();

    assertThat(specs.get(SENTIMENT).value()).isSameAs(first);
    // A changed spec is decoded again.
    t.specs.pipeInput(SENTIMENT, spec(SENTIMENT, BINARY, 0.2, QUIET));
    ModelSpec changed = specs.get(SENTIMENT).value();
    assertThat(changed).isNotSameAs(first);
    assertThat(changed.getHoldoutShare()).isEqualTo(0.2);
  }

  // --- dedup, conflicts, holdout --------------------------------------------------------------

  @Test
  void shouldCountTheSameIdempotencyIdOnce() {
    predict("p1", SENTIMENT, 1, "Great movie", "positive", at(0));
    FeedbackReceived up = feedback(FeedbackKind.THUMBS_UP, "p1", null, "same-id", at(1));
    for (int i = 0; i < 3; i++) {
      t.feedback.pipeInput("p1", up, at(1).plusSeconds(i));
    }

    assertThat(t.examples.readValuesToList()).hasSize(1);
    assertThat(t.counter("flywheel.feedback.dedup.hits")).isEqualTo(2.0);
    assertThat(lastReport("sentiment:v1").getFeedback()).isEqualTo(1);
  }

  @Test
  void shouldFindARepeatInTheBucketsBesideItsOwnAndForgetItAfterThreeRetentions() {
    long r = SETTINGS.dedupRetention().toMillis();
    long start = TopologyHarness.START.toEpochMilli();
    Instant boundary = Instant.ofEpochMilli((start / r + 1) * r);
    predict("p1", SENTIMENT, 1, "Great movie", "positive", boundary.minus(Duration.ofHours(2)));
    // Before a bucket boundary, then just after it and just under R later (two buckets on).
    up("p1", "across", boundary.minus(Duration.ofMinutes(1)));
    up("p1", "across", boundary.plus(Duration.ofMinutes(1)));
    up("p1", "across", boundary.plusMillis(r).minus(Duration.ofMinutes(2)));
    assertThat(t.counter("flywheel.feedback.dedup.hits")).isEqualTo(2.0);
    // Out of order: the first one read is the later one, in the bucket after the repeat's.
    up("p1", "early", boundary.plus(Duration.ofMinutes(3)));
    up("p1", "early", boundary.minus(Duration.ofMinutes(3)));
    assertThat(t.counter("flywheel.feedback.dedup.hits")).isEqualTo(3.0);
    // Three retentions on, the id counts again.
    up("p1", "across", boundary.plusMillis(3 * r + 60_000));
    assertThat(t.counter("flywheel.feedback.dedup.hits")).isEqualTo(3.0);
  }

  @Test
  void shouldStillFindIdsThatAnEarlierVersionStoredUnderTheirOwnTimestamp() {
    // Earlier versions put each id at its own timestamp, not at its bucket's start.
    Instant before = at(7).plusMillis(123);
    t.driver
        .<String, Long>getWindowStore(FeedbackTopology.DEDUP_STORE)
        .put("from-before", before.toEpochMilli(), before.toEpochMilli());
    predict("p1", SENTIMENT, 1, "Great movie", "positive", at(0));

    up("p1", "from-before", at(20));
    up("p1", "new", at(21));
    up("p1", "new", at(22));

    assertThat(t.counter("flywheel.feedback.dedup.hits")).isEqualTo(2.0);
    assertThat(t.examples.readValuesToList()).hasSize(1);
  }

  private void up(String predictionId, String idempotencyId, Instant at) {
    t.feedback.pipeInput(
        predictionId, feedback(FeedbackKind.THUMBS_UP, predictionId, null, idempotencyId, at), at);
  }

  @Test
  void shouldLetTheLatestCorrectionWinAndNeverLetAConfirmationOverrideIt() {
    predict("p1", SENTIMENT, 1, "Hard to say", "positive", at(0));
    send(FeedbackKind.THUMBS_UP, "p1", null, at(1));
    send(FeedbackKind.CORRECTION, "p1", "negative", at(2));
    predict("p2", SENTIMENT, 2, "hard to  say", "positive", at(3));
    send(FeedbackKind.THUMBS_UP, "p2", null, at(4));

    List<LabeledExample> versions = t.examples.readValuesToList();
    assertThat(versions)
        .extracting(LabeledExample::getLabel)
        .containsExactly("positive", "negative", "negative");
    assertThat(versions).extracting(LabeledExample::getConflicts).containsExactly(0, 1, 2);
    assertThat(versions.get(2).getSource()).isEqualTo(ExampleSource.CORRECTION);

    predict("p3", SENTIMENT, 2, "Hard to say", "negative", at(5));
    send(FeedbackKind.CORRECTION, "p3", "positive", at(6));
    LabeledExample last = t.examples.readValue();
    assertThat(last.getLabel()).isEqualTo("positive");
    assertThat(last.getConflicts()).isEqualTo(3);
    assertThat(t.counter("flywheel.feedback.conflicts")).isEqualTo(3.0);
  }

  @Test
  void shouldMergeAgreeingFeedbackIntoOneExample() {
    predict("p1", SENTIMENT, 1, "Great movie", "positive", at(0));
    FeedbackReceived first = send(FeedbackKind.THUMBS_UP, "p1", null, at(1));
    FeedbackReceived second = send(FeedbackKind.CORRECTION, "p1", "positive", at(2));

    LabeledExample merged = t.examples.readValuesToList().get(1);
    assertThat(merged.getConflicts()).isZero();
    assertThat(merged.getWeight()).isEqualTo(1.0f);
    assertThat(merged.getSource()).isEqualTo(ExampleSource.CORRECTION);
    assertThat(merged.getProvenance().getFeedbackIds())
        .containsExactly(first.getFeedbackId(), second.getFeedbackId());
  }

  @Test
  void shouldFlagTheConfiguredHoldoutShareDeterministically() {
    t.specs.pipeInput(SENTIMENT, spec(SENTIMENT, BINARY, 0.2, QUIET));
    int n = 1000;
    for (int i = 0; i < n; i++) {
      t.feedback.pipeInput("x", example(SENTIMENT, "text number " + i, "positive", at(0)), at(0));
    }

    List<LabeledExample> examples = t.examples.readValuesToList();
    assertThat(examples).hasSize(n);
    assertThat(examples)
        .allSatisfy(
            e -> assertThat(e.getHoldout()).isEqualTo(Holdout.isHoldout(e.getExampleId(), 0.2)));
    double share = examples.stream().filter(LabeledExample::getHoldout).count() / (double) n;
    assertThat(share).isCloseTo(0.2, within(0.04));
  }

  // --- live quality ---------------------------------------------------------------------------

  @Test
  void shouldCountLiveQualityPerVersionAndWindow() {
    for (int i = 0; i < 4; i++) {
      predict("p" + i, SENTIMENT, 1, "text " + i, "positive", at(0));
    }
    predict("q0", SENTIMENT, 2, "other", "positive", at(0));
    send(FeedbackKind.THUMBS_UP, "p0", null, at(1));
    send(FeedbackKind.THUMBS_UP, "p1", null, at(1));
    send(FeedbackKind.CORRECTION, "p2", "negative", at(2));
    send(FeedbackKind.THUMBS_DOWN, "p3", null, at(3));
    send(FeedbackKind.COMMENT, "p3", null, at(4));
    send(FeedbackKind.THUMBS_UP, "q0", null, at(6));

    Map<String, QualityReport> latest = latestReports();
    QualityReport v1 = latest.get("sentiment:v1@" + at(0).toEpochMilli());
    assertThat(v1.getPredictions()).isEqualTo(4);
    assertThat(v1.getFeedback()).isEqualTo(5);
    assertThat(v1.getConfirmations()).isEqualTo(2);
    assertThat(v1.getCorrections()).isEqualTo(1);
    assertThat(v1.getThumbsDown()).isEqualTo(1);
    assertThat(v1.getComments()).isEqualTo(1);
    assertThat(v1.getWindowEnd()).isEqualTo(at(5));
    Wilson expected = Wilson.of(2, 4);
    assertThat(v1.getLiveAccuracy()).isEqualTo(0.5);
    assertThat(v1.getAccuracyLower()).isCloseTo(expected.lower(), within(1e-12));
    assertThat(v1.getAccuracyUpper()).isCloseTo(expected.upper(), within(1e-12));

    QualityReport v2first = latest.get("sentiment:v2@" + at(0).toEpochMilli());
    assertThat(v2first.getPredictions()).isEqualTo(1);
    assertThat(v2first.getFeedback()).isZero();
    QualityReport v2second = latest.get("sentiment:v2@" + at(5).toEpochMilli());
    assertThat(v2second.getConfirmations()).isEqualTo(1);
    assertThat(v2second.getLiveAccuracy()).isEqualTo(1.0);
    assertThat(
            t.meters
                .get("flywheel.feedback.live.accuracy")
                .tags("model", SENTIMENT, "version", "1")
                .gauge()
                .value())
        .isEqualTo(0.5);
  }

  // --- retrain triggers -----------------------------------------------------------------------

  @Test
  void shouldRequestARetrainOnceEnoughNewExamplesArrived() {
    t.specs.pipeInput(SENTIMENT, spec(SENTIMENT, BINARY, 0.0, policy(3, 0, false, 50, 0.05)));
    submit(3, 0);
    RetrainRequested first = onlyRequest();
    assertThat(first.getReason()).isEqualTo(RetrainReason.THRESHOLD);
    assertThat(first.getNewExamples()).isEqualTo(3);
    assertThat(first.getTotalExamples()).isEqualTo(3);

    submit(2, 3);
    assertThat(t.retrainOut.isEmpty()).isTrue();
    submit(1, 5);
    RetrainRequested second = onlyRequest();
    assertThat(second.getNewExamples()).isEqualTo(3);
    assertThat(second.getTotalExamples()).isEqualTo(6);
    assertThat(t.counter("flywheel.feedback.retrain.requests", "reason", "THRESHOLD"))
        .isEqualTo(2.0);
  }

  @Test
  void shouldNotCountHoldoutExamplesTowardsTheThreshold() {
    t.specs.pipeInput(SENTIMENT, spec(SENTIMENT, BINARY, 1.0, policy(3, 0, false, 50, 0.05)));
    submit(10, 0);
    assertThat(t.retrainOut.isEmpty()).isTrue();
  }

  @Test
  void shouldHoldARequestBackUntilTheCooldownEnds() {
    t.specs.pipeInput(SENTIMENT, spec(SENTIMENT, BINARY, 0.0, policy(2, 60_000, false, 50, 0.05)));
    submit(2, 0);
    assertThat(onlyRequest().getReason()).isEqualTo(RetrainReason.THRESHOLD);

    submit(2, 2);
    t.driver.advanceWallClockTime(Duration.ofSeconds(30));
    assertThat(t.retrainOut.isEmpty()).isTrue();

    t.driver.advanceWallClockTime(Duration.ofSeconds(31));
    RetrainRequested held = onlyRequest();
    assertThat(held.getNewExamples()).isEqualTo(2);
    assertThat(held.getTotalExamples()).isEqualTo(4);
  }

  @Test
  void shouldRequestARetrainWhenTheChampionDriftsBelowItsOfflineAccuracy() {
    t.specs.pipeInput(
        SENTIMENT, spec(SENTIMENT, BINARY, 0.0, policy(1_000_000, 0, true, 10, 0.05)));
    t.releases.pipeInput(SENTIMENT, release(SENTIMENT, 1, 0.9));
    for (int i = 0; i < 10; i++) {
      predict("p" + i, SENTIMENT, 1, "text " + i, "positive", at(0));
      send(
          i % 2 == 0 ? FeedbackKind.CORRECTION : FeedbackKind.THUMBS_UP,
          "p" + i,
          "negative",
          at(1));
    }
    RetrainRequested drift = onlyRequest();
    assertThat(drift.getReason()).isEqualTo(RetrainReason.DRIFT);
    assertThat(drift.getLiveAccuracy()).isEqualTo(0.5);
    assertThat(drift.getOfflineAccuracy()).isEqualTo(0.9);
    assertThat(drift.getChampionVersion()).isEqualTo(1);

    predict("late", SENTIMENT, 1, "late text", "positive", at(2));
    send(FeedbackKind.CORRECTION, "late", "negative", at(3));
    assertThat(t.retrainOut.isEmpty()).as("the same evidence never fires twice").isTrue();
  }

  @Test
  void shouldNotSeeDriftWhileLiveAccuracyMatchesOfflineAccuracy() {
    t.specs.pipeInput(
        SENTIMENT, spec(SENTIMENT, BINARY, 0.0, policy(1_000_000, 0, true, 10, 0.05)));
    t.releases.pipeInput(SENTIMENT, release(SENTIMENT, 1, 0.9));
    for (int i = 0; i < 20; i++) {
      predict("p" + i, SENTIMENT, 1, "text " + i, "positive", at(0));
      send(i == 0 ? FeedbackKind.THUMBS_DOWN : FeedbackKind.THUMBS_UP, "p" + i, null, at(1));
    }
    assertThat(t.retrainOut.isEmpty()).isTrue();
  }

  @Test
  void shouldTreatAManualRequestAsRestartingTheCounterAndTheCooldown() {
    t.specs.pipeInput(SENTIMENT, spec(SENTIMENT, BINARY, 0.0, policy(3, 0, false, 50, 0.05)));
    submit(2, 0);
    t.retrainIn.pipeInput(SENTIMENT, manualRequest(SENTIMENT, at(1)), at(1));
    submit(2, 2);
    assertThat(t.retrainOut.isEmpty()).isTrue();
    submit(1, 4);
    assertThat(onlyRequest().getNewExamples()).isEqualTo(3);
    assertThat(t.counter("flywheel.feedback.retrain.requests", "reason", "MANUAL")).isEqualTo(1.0);

    t.specs.pipeInput(SENTIMENT, spec(SENTIMENT, BINARY, 0.0, policy(1, 60_000, false, 50, 0.05)));
    t.driver.advanceWallClockTime(Duration.ofSeconds(61));
    t.retrainIn.pipeInput(SENTIMENT, manualRequest(SENTIMENT, at(2)), at(2));
    submit(1, 5);
    t.driver.advanceWallClockTime(Duration.ofSeconds(30));
    assertThat(t.retrainOut.isEmpty()).as("the manual request started the cooldown").isTrue();
    t.driver.advanceWallClockTime(Duration.ofSeconds(31));
    assertThat(onlyRequest().getNewExamples()).isEqualTo(1);
  }

  @Test
  void shouldCountOnlyExamplesTheLastTrainedSnapshotDidNotHold() {
    t.specs.pipeInput(SENTIMENT, spec(SENTIMENT, BINARY, 0.0, policy(3, 0, false, 50, 0.05)));
    submit(3, 0);
    assertThat(onlyRequest().getTotalExamples()).isEqualTo(3);
    submit(2, 3);
    // The trainer started late: v1's snapshot holds the two examples counted after the request.
    t.candidates.pipeInput(SENTIMENT, candidate(SENTIMENT, 1, 5, at(5)), at(5));
    submit(2, 5);
    assertThat(t.retrainOut.isEmpty()).as("only 2 examples are new to v1").isTrue();
    submit(1, 7);
    RetrainRequested second = onlyRequest();
    assertThat(second.getNewExamples()).isEqualTo(3);
    assertThat(second.getTotalExamples()).isEqualTo(8);
    assertThat(second.getDetail()).contains("beyond the 5 of the last trained snapshot");

    // The trigger behind the trainer: v2 holds 2 examples the trigger has not counted yet.
    t.candidates.pipeInput(SENTIMENT, candidate(SENTIMENT, 2, 10, at(8)), at(8));
    submit(2, 8);
    assertThat(t.retrainOut.isEmpty()).as("v2 already holds them").isTrue();
    // An older candidate read late changes nothing.
    t.candidates.pipeInput(SENTIMENT, candidate(SENTIMENT, 1, 5, at(9)), at(9));
    submit(3, 10);
    assertThat(onlyRequest().getNewExamples()).isEqualTo(3);
  }

  @Test
  void shouldAskForEveryRetrainUnderASteadyStreamOnlyForExamplesNotYetTrained() {
    int threshold = 5;
    t.specs.pipeInput(
        SENTIMENT, spec(SENTIMENT, BINARY, 0.0, policy(threshold, 0, false, 50, 0.05)));
    // Two examples a minute; a trainer that takes each request up two minutes after it was made,
    // with everything written by then in its snapshot.
    Map<Integer, Integer> trainAt = new TreeMap<>();
    List<Long> snapshots = new ArrayList<>();
    long trained = 0;
    int written = 0;
    int version = 0;
    for (int minute = 0; minute < 60; minute++) {
      Integer due = trainAt.remove(minute);
      if (due != null) {
        version++;
        snapshots.add((long) written);
        trained = Math.max(trained, written);
        t.candidates.pipeInput(
            SENTIMENT, candidate(SENTIMENT, version, written, at(minute)), at(minute));
      }
      submit(2, written);
      written += 2;
      for (RetrainRequested request : t.retrainOut.readValuesToList()) {
        assertThat(request.getTotalExamples() - trained)
            .as("request at minute %d: examples beyond the last trained snapshot", minute)
            .isGreaterThanOrEqualTo(threshold);
        trainAt.put(minute + 2, minute);
      }
    }
    assertThat(snapshots).hasSizeGreaterThan(5).doesNotHaveDuplicates();
  }

  // --- dead letters ---------------------------------------------------------------------------

  @Test
  void shouldDeadLetterFeedbackOnAModelWithoutSpec() {
    predict("p1", "unknown-model", 1, "Great movie", "positive", at(0));
    FeedbackReceived up = send(FeedbackKind.THUMBS_UP, "p1", null, at(1));

    assertThat(t.examples.isEmpty()).isTrue();
    onlyDeadLetter("UNKNOWN_MODEL", up);
    assertThat(t.counter("flywheel.feedback.dead.letters", "reason", "UNKNOWN_MODEL"))
        .isEqualTo(1.0);
  }

  @Test
  void shouldDeadLetterFeedbackOnAModelWhoseSpecIsUnusableInsteadOfFailing() {
    t.specs.pipeInput(SENTIMENT, spec(SENTIMENT, BINARY, 1.5, QUIET));
    predict("p1", SENTIMENT, 1, "Great movie", "positive", at(0));
    FeedbackReceived up = send(FeedbackKind.THUMBS_UP, "p1", null, at(1));

    onlyDeadLetter("INVALID_SPEC", up);
    assertThat(lastReport("sentiment:v1").getConfirmations()).isEqualTo(1);
  }

  @Test
  void shouldDeadLetterACorrectionToALabelOutsideTheLabelSet() {
    predict("p1", SENTIMENT, 1, "Great movie", "positive", at(0));
    FeedbackReceived wrong = send(FeedbackKind.CORRECTION, "p1", "neutral", at(1));

    assertThat(t.examples.isEmpty()).isTrue();
    onlyDeadLetter("UNKNOWN_LABEL", wrong);
  }

  @Test
  void shouldDeadLetterFeedbackThatBreaksItsContract() {
    FeedbackReceived noLabel = send(FeedbackKind.CORRECTION, "p1", null, at(0));

    onlyDeadLetter("INVALID_FEEDBACK", noLabel);
  }

  @Test
  void shouldDeadLetterAPredictionThatBreaksItsContract() {
    predict("p0", SENTIMENT, 0, "Version zero", "positive", at(0));
    predict("p1", SENTIMENT, 1, "Great movie", "positive", at(0));
    send(FeedbackKind.THUMBS_UP, "p1", null, at(1));

    DeadLetter letter = DeadLetters.read(t.deadLetters.readRecord().headers()).orElseThrow();
    assertThat(letter.errorMessage()).startsWith("INVALID_PREDICTION");
    assertThat(letter.sourceTopic()).isEqualTo(t.topics.predictions().name());
    assertThat(t.examples.readValuesToList()).hasSize(1);
  }

  @Test
  void shouldDeadLetterAPoisonRecordAndKeepProcessing() throws Exception {
    byte[] poison = "not avro".getBytes(StandardCharsets.UTF_8);
    t.rawFeedback.pipeInput("p1".getBytes(StandardCharsets.UTF_8), poison, at(0));
    predict("p1", SENTIMENT, 1, "Great movie", "positive", at(0));
    send(FeedbackKind.THUMBS_UP, "p1", null, at(1));

    TestRecord<byte[], byte[]> letter = t.deadLetters.readRecord();
    assertThat(letter.value()).isEqualTo(poison);
    DeadLetter headers = DeadLetters.read(letter.headers()).orElseThrow();
    assertThat(headers.sourceTopic()).isEqualTo(t.topics.feedback().name());
    assertThat(headers.sourceOffset()).isZero();
    assertThat(headers.service()).isEqualTo(FeedbackTopology.SERVICE);
    assertThat(SerializationException.class).isAssignableFrom(Class.forName(headers.errorClass()));
    assertThat(t.examples.readValuesToList()).hasSize(1);
    assertThat(t.counter("flywheel.feedback.dead.letters", "reason", "DESERIALIZATION"))
        .isEqualTo(1.0);
  }

  @Test
  void shouldNameEveryOperatorStoreAndInternalTopic() {
    String description =
        FeedbackTopology.build(t.topics, SETTINGS.withInMemoryStores(true), t.metrics)
            .describe()
            .toString();
    assertThat(description).doesNotContain("KSTREAM-").doesNotContain("KTABLE-");
  }

  @Test
  void shouldWireEachRoutingProcessorStraightToTheChildrenItForwardsToByName() {
    Map<String, Set<String>> successors = new HashMap<>();
    for (TopologyDescription.Subtopology sub :
        FeedbackTopology.build(t.topics, SETTINGS.withInMemoryStores(true), t.metrics)
            .describe()
            .subtopologies()) {
      for (TopologyDescription.Node node : sub.nodes()) {
        successors.put(
            node.name(),
            node.successors().stream()
                .map(TopologyDescription.Node::name)
                .collect(Collectors.toSet()));
      }
    }
    for (String intake :
        List.of(FeedbackTopology.PREDICTION_INTAKE, FeedbackTopology.FEEDBACK_INTAKE)) {
      Routed.Outlets outlets = Routed.Outlets.of(intake);
      assertThat(successors.get(intake))
          .as(intake)
          .containsExactlyInAnyOrder(outlets.accepted(), outlets.rejected());
    }
    assertThat(successors.get("example-derivation"))
        .containsExactlyInAnyOrder(
            "feedback-quality-signals", "example-candidate-values", "derived-rejection-values");
  }

  // --- helpers --------------------------------------------------------------------------------

  /** Moves stream time on to {@code to}, with a prediction and a comment on it. */
  private void advanceStreamTime(Instant to) {
    predict("tick", SENTIMENT, 1, "tick", "positive", to);
    send(FeedbackKind.COMMENT, "tick", null, to);
  }

  private static Instant at(int minutes) {
    return TopologyHarness.START.plus(Duration.ofMinutes(minutes));
  }

  private void predict(
      String id, String model, int version, String text, String label, Instant at) {
    t.predictions.pipeInput(id, prediction(id, model, version, text, label, at), at);
  }

  private FeedbackReceived send(FeedbackKind kind, String predictionId, String label, Instant at) {
    FeedbackReceived fb = feedback(kind, predictionId, label, UUID.randomUUID().toString(), at);
    t.feedback.pipeInput(predictionId, fb, at);
    return fb;
  }

  private void submit(int count, int from) {
    for (int i = from; i < from + count; i++) {
      t.feedback.pipeInput("x", example(SENTIMENT, "submitted " + i, "positive", at(i)), at(i));
    }
  }

  private LabeledExample onlyExample() {
    List<LabeledExample> examples = t.examples.readValuesToList();
    assertThat(examples).hasSize(1);
    return examples.get(0);
  }

  private RetrainRequested onlyRequest() {
    List<RetrainRequested> requests = t.retrainOut.readValuesToList();
    assertThat(requests).hasSize(1);
    return requests.get(0);
  }

  private DeadLetter onlyDeadLetter(String reason, FeedbackReceived original) {
    List<TestRecord<byte[], byte[]>> letters = t.deadLetters.readRecordsToList();
    assertThat(letters).hasSize(1);
    DeadLetter letter = DeadLetters.read(letters.get(0).headers()).orElseThrow();
    assertThat(letter.errorClass()).isEqualTo(RejectedFeedbackException.class.getName());
    assertThat(letter.errorMessage()).startsWith(reason);
    assertThat(letter.service()).isEqualTo(FeedbackTopology.SERVICE);
    FeedbackReceived parked =
        t.topics
            .feedback()
            .valueSerde()
            .deserializer()
            .deserialize(t.topics.feedback().name(), letters.get(0).value());
    assertThat(parked).isEqualTo(original);
    return letter;
  }

  private QualityReport lastReport(String key) {
    List<KeyValue<String, QualityReport>> reports = t.quality.readKeyValuesToList();
    return reports.stream()
        .filter(kv -> kv.key.equals(key))
        .reduce((a, b) -> b)
        .orElseThrow()
        .value;
  }

  private Map<String, QualityReport> latestReports() {
    return t.quality.readKeyValuesToList().stream()
        .collect(
            Collectors.toMap(
                kv -> kv.key + "@" + kv.value.getWindowStart().toEpochMilli(),
                kv -> kv.value,
                (a, b) -> b));
  }
}
