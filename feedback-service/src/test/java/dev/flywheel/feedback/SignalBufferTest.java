package dev.flywheel.feedback;

import static dev.flywheel.feedback.TestEvents.example;
import static dev.flywheel.feedback.TestEvents.feedback;
import static dev.flywheel.feedback.TestEvents.policy;
import static dev.flywheel.feedback.TestEvents.prediction;
import static dev.flywheel.feedback.TestEvents.release;
import static dev.flywheel.feedback.TestEvents.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.events.FeedbackKind;
import dev.flywheel.events.QualityReport;
import dev.flywheel.events.RetrainReason;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.schemas.SchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The topology with the record cache on, as the service runs it: quality and model signals are
 * folded per task and leave once per commit interval, and the totals are the same as when every
 * signal goes through on its own (FeedbackTopologyTest runs with the cache off).
 */
@ExtendWith(EmbeddedInfraExtension.class)
class SignalBufferTest {
  private static final String SENTIMENT = "sentiment";
  private static final List<String> BINARY = List.of("negative", "positive");
  private static final Duration COMMIT = Duration.ofSeconds(1);

  private static SchemaRegistryClient registry;
  private static String prefix;

  private final EmbeddedInfra infra;
  private TopologyHarness t;

  SignalBufferTest(EmbeddedInfra infra) {
    this.infra = infra;
  }

  @BeforeEach
  void start() throws Exception {
    synchronized (SignalBufferTest.class) {
      if (registry == null) {
        registry = SchemaRegistryClient.create(infra.registryUrl());
        prefix = TopologyHarness.prefix(infra.newTopicPrefix());
      }
    }
    t =
        new TopologyHarness(
            registry,
            prefix,
            FeedbackTopologyTest.SETTINGS.withTriggerCheckInterval(Duration.ofHours(1)),
            Map.of(
                StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG,
                10L * 1024 * 1024,
                StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
                COMMIT.toMillis()));
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

  @Test
  void shouldPublishFoldedQualityCountsOncePerCommitIntervalWithExactTotals() {
    t.specs.pipeInput(SENTIMENT, spec(SENTIMENT, BINARY, 0.0, FeedbackTopologyTest.QUIET));
    FeedbackKind[] kinds = {
      FeedbackKind.THUMBS_UP,
      FeedbackKind.CORRECTION,
      FeedbackKind.THUMBS_DOWN,
      FeedbackKind.COMMENT
    };
    for (int i = 0; i < 8; i++) {
      predict("p" + i, 1, at(0));
      send(kinds[i % 4], "p" + i, kinds[i % 4] == FeedbackKind.CORRECTION ? "negative" : null);
    }
    predict("v2", 2, at(0));

    assertThat(t.examples.readValuesToList()).as("examples are not held back").hasSize(6);
    assertThat(t.quality.isEmpty()).as("signals wait for the flush").isTrue();

    t.driver.advanceWallClockTime(COMMIT);
    List<KeyValue<String, QualityReport>> reports = t.quality.readKeyValuesToList();
    assertThat(reports)
        .extracting(kv -> kv.key)
        .as("one report per model version and window")
        .containsExactly("sentiment:v1", "sentiment:v2");
    QualityReport first = reports.get(0).value;
    assertThat(first.getWindowStart()).isEqualTo(at(0));
    assertThat(first.getPredictions()).isEqualTo(8);
    assertThat(first.getFeedback()).isEqualTo(8);
    assertThat(first.getConfirmations()).isEqualTo(2);
    assertThat(first.getCorrections()).isEqualTo(2);
    assertThat(first.getThumbsDown()).isEqualTo(2);
    assertThat(first.getComments()).isEqualTo(2);
    assertThat(reports.get(1).value.getPredictions()).isEqualTo(1);

    predict("p8", 1, at(1));
    send(FeedbackKind.THUMBS_UP, "p8", null);
    t.driver.advanceWallClockTime(COMMIT);
    QualityReport updated = t.quality.readValue();
    assertThat(updated.getPredictions())
        .as("the window's counts go on from the store")
        .isEqualTo(9);
    assertThat(updated.getConfirmations()).isEqualTo(3);
    assertThat(t.quality.isEmpty()).isTrue();
  }

  @Test
  void shouldFlushAsSoonAsTheInputGoesQuiet() {
    t.specs.pipeInput(SENTIMENT, spec(SENTIMENT, BINARY, 0.0, FeedbackTopologyTest.QUIET));
    predict("p0", 1, at(0));
    send(FeedbackKind.THUMBS_UP, "p0", null);

    t.driver.advanceWallClockTime(SignalBuffer.QUIET_CHECK);
    assertThat(t.quality.isEmpty()).as("a signal came since the last check").isTrue();
    t.driver.advanceWallClockTime(SignalBuffer.QUIET_CHECK);
    QualityReport report = t.quality.readValue();
    assertThat(report.getPredictions()).isEqualTo(1);
    assertThat(report.getConfirmations()).isEqualTo(1);

    t.driver.advanceWallClockTime(SignalBuffer.QUIET_CHECK);
    assertThat(t.quality.isEmpty()).as("nothing is sent twice").isTrue();
  }

  @Test
  void shouldKeepFoldingWhileSignalsKeepComing() {
    t.specs.pipeInput(SENTIMENT, spec(SENTIMENT, BINARY, 0.0, FeedbackTopologyTest.QUIET));
    long checks = COMMIT.toMillis() / SignalBuffer.QUIET_CHECK.toMillis();
    for (int i = 0; i < checks - 1; i++) {
      predict("p" + i, 1, at(0));
      t.driver.advanceWallClockTime(SignalBuffer.QUIET_CHECK);
    }
    assertThat(t.quality.isEmpty()).as("signals came before every check").isTrue();

    predict("last", 1, at(0));
    t.driver.advanceWallClockTime(SignalBuffer.QUIET_CHECK);
    assertThat(t.quality.readValuesToList())
        .as("one report when the commit interval is up")
        .extracting(QualityReport::getPredictions)
        .containsExactly(checks);
  }

  @Test
  void shouldFireAThresholdRequestAtTheThresholdEvenWhenABatchCrossesIt() {
    t.specs.pipeInput(SENTIMENT, spec(SENTIMENT, BINARY, 0.0, policy(3, 0, false, 50, 0.05)));
    submit(0, 7);
    assertThat(t.retrainOut.isEmpty()).as("signals wait for the flush").isTrue();

    t.driver.advanceWallClockTime(COMMIT);
    List<RetrainRequested> requests = t.retrainOut.readValuesToList();
    assertThat(requests)
        .extracting(RetrainRequested::getNewExamples)
        .as("7 examples are two requests of 3, one left over")
        .containsExactly(3L, 3L);
    assertThat(requests).extracting(RetrainRequested::getTotalExamples).containsExactly(3L, 6L);

    submit(7, 9);
    t.driver.advanceWallClockTime(COMMIT);
    RetrainRequested third = t.retrainOut.readValue();
    assertThat(third.getNewExamples()).isEqualTo(3);
    assertThat(third.getTotalExamples()).isEqualTo(9);
    assertThat(t.retrainOut.isEmpty()).isTrue();
  }

  @Test
  void shouldSeeDriftFromFoldedJudgements() {
    t.specs.pipeInput(
        SENTIMENT, spec(SENTIMENT, BINARY, 0.0, policy(1_000_000, 0, true, 10, 0.05)));
    t.releases.pipeInput(SENTIMENT, release(SENTIMENT, 1, 0.9));
    for (int i = 0; i < 10; i++) {
      predict("p" + i, 1, at(0));
      send(i % 2 == 0 ? FeedbackKind.CORRECTION : FeedbackKind.THUMBS_UP, "p" + i, "negative");
    }
    predict("v2", 2, at(0));
    send(FeedbackKind.THUMBS_DOWN, "v2", null);
    t.driver.advanceWallClockTime(COMMIT);

    RetrainRequested drift = t.retrainOut.readValue();
    assertThat(drift.getReason()).isEqualTo(RetrainReason.DRIFT);
    assertThat(drift.getLiveAccuracy()).as("only the champion's judgements count").isEqualTo(0.5);
    assertThat(drift.getChampionVersion()).isEqualTo(1);
    assertThat(t.retrainOut.isEmpty()).isTrue();
  }

  @Test
  void shouldReadSignalsThatEarlierVersionsLeftOnTheRepartitionTopics() throws Exception {
    byte[] quality = QualitySignal.SERDE.serializer().serialize("t", QualitySignal.CORRECTION);
    assertThat(QualityCounts.DELTA_SERDE.deserializer().deserialize("t", quality))
        .isEqualTo(new QualityCounts(0, 1, 0, 1, 0, 0));

    assertThat(
            ModelSignal.SERDE
                .deserializer()
                .deserialize("t", format1(0, true, true, true, 0, false)))
        .as("a holdout example counts for nothing")
        .isEqualTo(ModelSignal.examples(SENTIMENT, 0, 0));
    assertThat(
            ModelSignal.SERDE
                .deserializer()
                .deserialize("t", format1(0, false, true, true, 0, false)))
        .isEqualTo(ModelSignal.examples(SENTIMENT, 1, 1));
    assertThat(
            ModelSignal.SERDE
                .deserializer()
                .deserialize("t", format1(1, false, false, false, 4, true)))
        .isEqualTo(ModelSignal.judgements(SENTIMENT, 4, 1, 1));
    ModelSignal folded = ModelSignal.judgements(SENTIMENT, 2, 5, 3);
    assertThat(
            ModelSignal.SERDE
                .deserializer()
                .deserialize("t", ModelSignal.SERDE.serializer().serialize("t", folded)))
        .isEqualTo(folded);
  }

  @Test
  void shouldReadPendingSignalsThatEarlierVersionsLeftInTheBufferStores() throws Exception {
    var quality =
        SignalBuffer.pendingSerde(
            QualityCounts.DELTA_SERDE, QualityCounts.WRITER, QualityCounts.READER);
    var signals =
        SignalBuffer.pendingSerde(ModelSignal.SERDE, ModelSignal::write, ModelSignal::read);
    QualityCounts counts = new QualityCounts(7, 5, 2, 1, 1, 1);
    ModelSignal examples = ModelSignal.examples(SENTIMENT, 3, 2);

    // Format 1: the timestamp, then the value's own serde bytes behind their length.
    assertThat(
            quality
                .deserializer()
                .deserialize(
                    "t",
                    pendingFormat1(
                        42, QualityCounts.DELTA_SERDE.serializer().serialize("t", counts))))
        .isEqualTo(new SignalBuffer.Pending<>(42, counts));
    assertThat(
            signals
                .deserializer()
                .deserialize(
                    "t",
                    pendingFormat1(43, ModelSignal.SERDE.serializer().serialize("t", examples))))
        .isEqualTo(new SignalBuffer.Pending<>(43, examples));

    // Format 2, written now: the value inline, read back as it was.
    byte[] written = quality.serializer().serialize("t", new SignalBuffer.Pending<>(44, counts));
    assertThat(written[0]).isEqualTo((byte) 2);
    assertThat(written).hasSize(1 + 8 + 6 * 8);
    assertThat(quality.deserializer().deserialize("t", written))
        .isEqualTo(new SignalBuffer.Pending<>(44, counts));
    assertThat(
            signals
                .deserializer()
                .deserialize(
                    "t",
                    signals.serializer().serialize("t", new SignalBuffer.Pending<>(45, examples))))
        .isEqualTo(new SignalBuffer.Pending<>(45, examples));
  }

  /** A buffer store's value as versions before format 2 wrote it. */
  private static byte[] pendingFormat1(long timestamp, byte[] value) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(1);
      out.writeLong(timestamp);
      out.writeInt(value.length);
      out.write(value);
    }
    return bytes.toByteArray();
  }

  /** A model signal as the first version of the service wrote it (format 1). */
  private static byte[] format1(
      int kind, boolean holdout, boolean firstSeen, boolean changed, int version, boolean correct)
      throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(1);
      out.writeByte(kind);
      out.writeUTF(SENTIMENT);
      out.writeBoolean(holdout);
      out.writeBoolean(firstSeen);
      out.writeBoolean(changed);
      out.writeInt(version);
      out.writeBoolean(correct);
      out.writeBoolean(false);
    }
    return bytes.toByteArray();
  }

  private static Instant at(int minutes) {
    return TopologyHarness.START.plus(Duration.ofMinutes(minutes));
  }

  private void predict(String id, int version, Instant at) {
    t.predictions.pipeInput(
        id, prediction(id, SENTIMENT, version, "text of " + id, "positive", at), at);
  }

  private void send(FeedbackKind kind, String predictionId, String label) {
    Instant at = at(0).plusSeconds(30);
    t.feedback.pipeInput(
        predictionId, feedback(kind, predictionId, label, UUID.randomUUID().toString(), at), at);
  }

  private void submit(int from, int to) {
    for (int i = from; i < to; i++) {
      t.feedback.pipeInput("x", example(SENTIMENT, "submitted " + i, "positive", at(0)), at(0));
    }
  }
}
