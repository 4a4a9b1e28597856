package dev.flywheel.evaluator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.flywheel.embedded.EmbeddedInfra;
import dev.flywheel.embedded.EmbeddedInfraExtension;
import dev.flywheel.events.DatasetSnapshot;
import dev.flywheel.events.Decision;
import dev.flywheel.events.EvaluationCompleted;
import dev.flywheel.events.GateCheck;
import dev.flywheel.events.GatePolicy;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ReleaseAction;
import dev.flywheel.events.ReleaseKind;
import dev.flywheel.schemas.DeadLetters;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(EmbeddedInfraExtension.class)
@Timeout(180)
class EvaluatorIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private final EmbeddedInfra infra;
  private Fixture fixture;
  private static TrainedModels models;

  EvaluatorIT(EmbeddedInfra infra) {
    this.infra = infra;
  }

  @BeforeAll
  static void trainModels() throws Exception {
    models = TrainedModels.get();
  }

  @BeforeEach
  void setUp() {
    fixture = new Fixture(infra);
  }

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
  }

  /**
   * The policy for tests whose champion is the weak model: it predicts nearly everything as a few
   * labels, so its recall on those is inflated and a far better model "regresses" on them.
   */
  private static GatePolicy weakChampionPolicy() {
    return Fixture.policy().setMaxLabelRecallRegression(1.0).build();
  }

  @Test
  void shouldReleaseTheFirstCandidateAndThenABetterOne() throws Exception {
    fixture.publishSpec(weakChampionPolicy());
    DatasetSnapshot snapshot = fixture.writeExamplesAndSnapshot();
    assertThat(snapshot.getTrainExamples() + snapshot.getHoldoutExamples())
        .isEqualTo(models.examples.size());
    fixture.startEvaluator();

    fixture.sendCandidate(Fixture.candidate(1, models.weak, snapshot));
    List<ModelReleased> first = awaitReleases(1);
    assertThat(first.get(0).getKind()).isEqualTo(ReleaseKind.PROMOTED);
    assertThat(first.get(0).getPreviousVersion()).isNull();
    EvaluationCompleted firstEvaluation = awaitEvaluations(1).get(0);
    System.out.printf(
        "weak v1 %.3f vs the prior (always %s) %.3f, class-frequency prior %.3f, p=%.3g%n",
        firstEvaluation.getCandidateMetrics().getAccuracy(),
        firstEvaluation.getPrior().getMajorityLabel(),
        firstEvaluation.getPrior().getMajorityAccuracy(),
        firstEvaluation.getPrior().getClassPriorAccuracy(),
        firstEvaluation.getPValue());
    assertThat(firstEvaluation.getChampion()).isNull();
    assertThat(firstEvaluation.getPrior().getMajorityAccuracy())
        .isLessThan(firstEvaluation.getCandidateMetrics().getAccuracy());
    assertThat(firstEvaluation.getPValue()).isLessThan(0.05);

    fixture.sendCandidate(Fixture.candidate(2, models.strong, snapshot));
    List<ModelReleased> releases = awaitReleases(2);
    ModelReleased second = releases.get(1);
    EvaluationCompleted evaluation = awaitEvaluations(2).get(1);
    System.out.printf(
        "weak %.3f vs strong %.3f on %d holdout examples, p=%.3g, %d ms%n",
        evaluation.getChampionMetrics().getAccuracy(),
        evaluation.getCandidateMetrics().getAccuracy(),
        evaluation.getHoldoutExamples(),
        evaluation.getPValue(),
        evaluation.getDurationMillis());
    assertThat(evaluation.getDecision()).isEqualTo(Decision.RELEASE);
    assertThat(evaluation.getChampion().getVersion()).isEqualTo(1);
    assertThat(evaluation.getPValue()).isLessThan(0.05);
    assertThat(evaluation.getHoldoutExamples()).isEqualTo(snapshot.getHoldoutExamples());
    assertThat(second.getKind()).isEqualTo(ReleaseKind.PROMOTED);
    assertThat(second.getModel().getVersion()).isEqualTo(2);
    assertThat(second.getPreviousVersion()).isEqualTo(1);
    assertThat(second.getSha256()).isEqualTo(models.strong.sha256());
    assertThat(second.getArtifactUri()).isEqualTo(models.strong.uri());
    assertThat(second.getEvaluationId()).isEqualTo(evaluation.getEvaluationId());
    assertThat(second.getMetrics())
        .containsEntry(Releases.ACCURACY, evaluation.getCandidateMetrics().getAccuracy())
        .containsEntry(Releases.TRAIN_EXAMPLES, (double) snapshot.getTrainExamples());
  }

  @Test
  void shouldNotReleaseAFirstCandidateThatIsNoBetterThanThePrior() throws Exception {
    fixture.publishSpec(Fixture.policy().build());
    DatasetSnapshot snapshot = fixture.writeExamplesAndSnapshot();
    fixture.startEvaluator();

    fixture.sendCandidate(Fixture.candidate(1, models.priorLevel, snapshot));

    EvaluationCompleted evaluation = awaitEvaluations(1).get(0);
    assertThat(evaluation.getDecision()).isEqualTo(Decision.REJECT);
    assertThat(evaluation.getChampion()).isNull();
    assertThat(evaluation.getPrior().getMajorityLabel()).isEqualTo(models.majorityLabel);
    assertThat(evaluation.getPrior().getFrequencySource()).isEqualTo("training");
    System.out.printf(
        "prior-level v1 %.3f vs the prior (always %s) %.3f, p=%.3g%n",
        evaluation.getCandidateMetrics().getAccuracy(),
        evaluation.getPrior().getMajorityLabel(),
        evaluation.getPrior().getMajorityAccuracy(),
        evaluation.getPValue());
    assertThat(evaluation.getCandidateMetrics().getAccuracy())
        .isCloseTo(evaluation.getPrior().getMajorityAccuracy(), within(0.02));
    assertThat(evaluation.getPValue()).isGreaterThan(0.2);
    assertThat(failed(evaluation)).containsExactly("significance");
    assertThat(evaluation.getReasons())
        .singleElement()
        .asString()
        .startsWith("significance failed");
    // A candidate that beats the prior is released: the gate had no other reason to refuse.
    fixture.sendCandidate(Fixture.candidate(2, models.strong, snapshot));
    assertThat(awaitReleases(1))
        .singleElement()
        .satisfies(r -> assertThat(r.getModel().getVersion()).isEqualTo(2));
  }

  @Test
  void shouldRejectAWorseCandidateWithTheFailedChecksAsReasons() throws Exception {
    fixture.publishSpec(Fixture.policy().build());
    DatasetSnapshot snapshot = fixture.writeExamplesAndSnapshot();
    fixture.startEvaluator();
    fixture.sendCandidate(Fixture.candidate(1, models.strong, snapshot));
    awaitReleases(1);

    fixture.sendCandidate(Fixture.candidate(2, models.weak, snapshot));

    EvaluationCompleted evaluation = awaitEvaluations(2).get(1);
    assertThat(evaluation.getDecision()).isEqualTo(Decision.REJECT);
    assertThat(failed(evaluation))
        .contains("accuracy_regression", "min_improvement", "significance");
    assertThat(evaluation.getReasons())
        .anySatisfy(r -> assertThat(r).startsWith("accuracy_regression failed"));
    assertThat(fixture.readAll(fixture.topics.releases())).hasSize(1);
  }

  @Test
  void shouldNotReleaseAnEqualCandidateWhenSignificanceIsRequired() throws Exception {
    fixture.publishSpec(Fixture.policy().build());
    DatasetSnapshot snapshot = fixture.writeExamplesAndSnapshot();
    fixture.startEvaluator();
    fixture.sendCandidate(Fixture.candidate(1, models.strong, snapshot));
    awaitReleases(1);

    // The same model again under a new version: identical predictions on every example.
    fixture.sendCandidate(Fixture.candidate(2, models.strong, snapshot));

    EvaluationCompleted evaluation = awaitEvaluations(2).get(1);
    assertThat(evaluation.getDecision()).isEqualTo(Decision.REJECT);
    assertThat(evaluation.getPValue()).isEqualTo(1.0);
    assertThat(failed(evaluation)).containsExactly("significance");
    assertThat(fixture.readAll(fixture.topics.releases())).hasSize(1);
  }

  @Test
  void shouldRejectACandidateWhoseArtifactDoesNotMatchItsSha256() throws Exception {
    fixture.publishSpec(Fixture.policy().build());
    DatasetSnapshot snapshot = fixture.writeExamplesAndSnapshot();
    fixture.startEvaluator();

    fixture.sendCandidate(Fixture.candidate(1, models.strong, models.weak.sha256(), snapshot));

    EvaluationCompleted evaluation = awaitEvaluations(1).get(0);
    assertThat(evaluation.getDecision()).isEqualTo(Decision.REJECT);
    assertThat(failed(evaluation)).containsExactly("artifact_sha256");
    assertThat(evaluation.getReasons().get(0)).contains("does not match its sha256");
    assertThat(fixture.readAll(fixture.topics.releases())).isEmpty();
  }

  @Test
  void shouldDecideExactlyOnceWhenStoppedMidEvaluationAndRestarted(@TempDir Path dir)
      throws Exception {
    // A large golden set makes the evaluation long enough to stop the evaluator in the middle.
    Path golden = dir.resolve("golden.tsv");
    Files.writeString(
        golden,
        models.golden.stream()
            .map(e -> e.label() + "\t" + e.text())
            .collect(Collectors.joining("\n")),
        StandardCharsets.UTF_8);
    fixture.publishSpec(Fixture.policy().setGoldenSet(golden.toUri().toString()).build());
    DatasetSnapshot snapshot = fixture.writeExamplesAndSnapshot();
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    EvaluationLoop first =
        fixture.startEvaluator(
            meters, env -> env.put("FLYWHEEL_EVALUATOR_LATENCY_SAMPLES", "100000"));

    fixture.sendCandidate(Fixture.candidate(1, models.strong, snapshot));
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(5))
        .until(
            () -> meters.get("flywheel.evaluator.evaluations.in.progress").gauge().value() == 1.0);
    first.close();

    assertThat(fixture.readAll(fixture.topics.evaluations())).isEmpty();
    assertThat(fixture.committedCandidateOffsets()).isZero();

    fixture.startEvaluator();
    List<EvaluationCompleted> evaluations = awaitEvaluations(1);
    await().atMost(WAIT).until(() -> fixture.committedCandidateOffsets() == 1);
    assertThat(fixture.readAll(fixture.topics.evaluations())).hasSize(1);
    // The golden-set reader drops repeated texts; every distinct one is evaluated.
    long distinctGolden = models.golden.stream().map(e -> e.text().trim()).distinct().count();
    assertThat(evaluations.get(0).getGoldenExamples()).isEqualTo(distinctGolden);
    assertThat(evaluations.get(0).getDecision()).isEqualTo(Decision.RELEASE);
    assertThat(fixture.readAll(fixture.topics.releases())).hasSize(1);
  }

  @Test
  void shouldRollBackExactlyOnceWhenLiveQualityDrops() throws Exception {
    fixture.publishSpec(weakChampionPolicy());
    DatasetSnapshot snapshot = fixture.writeExamplesAndSnapshot();
    EvaluationLoop evaluator = fixture.startEvaluator();
    fixture.sendCandidate(Fixture.candidate(1, models.weak, snapshot));
    awaitReleases(1);
    fixture.sendCandidate(Fixture.candidate(2, models.strong, snapshot));
    awaitReleases(2);

    // v1 served well; v2 does worse live. Not enough feedback on v2 yet: no rollback.
    fixture.sendQuality(1, 80, 20, 0);
    fixture.sendQuality(2, 10, 20, 60_000);
    // A later update of the same v2 window (40 judged, not 70), then a second window: 30 of 80.
    fixture.sendQuality(2, 15, 25, 60_000);
    fixture.sendQuality(2, 15, 25, 120_000);

    List<ModelReleased> releases = awaitReleases(3);
    ModelReleased rollback = releases.get(2);
    assertThat(rollback.getKind()).isEqualTo(ReleaseKind.ROLLED_BACK);
    assertThat(rollback.getModel().getVersion()).isEqualTo(1);
    assertThat(rollback.getPreviousVersion()).isEqualTo(2);
    assertThat(rollback.getSha256()).isEqualTo(models.weak.sha256());
    assertThat(rollback.getEvidence())
        .containsEntry("championJudged", "80")
        .containsEntry("predecessorJudged", "100")
        .containsKey("pValue");

    // More bad news about v2, and a restart: still exactly one rollback.
    fixture.sendQuality(2, 5, 45, 180_000);
    evaluator.close();
    fixture.startEvaluator();
    fixture.sendQuality(2, 5, 45, 240_000);
    fixture.sendCandidate(Fixture.candidate(3, models.weak, snapshot));
    awaitEvaluations(3);
    assertThat(fixture.readAll(fixture.topics.releases()))
        .extracting(ModelReleased::getKind)
        .containsExactly(ReleaseKind.PROMOTED, ReleaseKind.PROMOTED, ReleaseKind.ROLLED_BACK);
  }

  @Test
  void shouldHonourManualRequestsAndParkPoisonRecords() throws Exception {
    fixture.publishSpec(Fixture.policy().build());
    DatasetSnapshot snapshot = fixture.writeExamplesAndSnapshot();
    fixture.startEvaluator();
    fixture.sendCandidate(Fixture.candidate(1, models.strong, snapshot));
    awaitReleases(1);
    fixture.sendCandidate(Fixture.candidate(2, models.weak, snapshot));
    awaitEvaluations(2);

    fixture.sendRaw(
        fixture.topics.candidates().name(), "not avro".getBytes(StandardCharsets.UTF_8));
    fixture.sendReleaseRequest(ReleaseAction.PROMOTE, 2, "admin-app");
    ModelReleased manual = awaitReleases(2).get(1);
    fixture.sendReleaseRequest(ReleaseAction.ROLLBACK, null, "admin-app");
    ModelReleased rolledBack = awaitReleases(3).get(2);
    fixture.sendReleaseRequest(ReleaseAction.PROMOTE, 99, "admin-app");
    // A candidate the gate refused for its sha256 cannot be promoted by hand either.
    fixture.sendCandidate(Fixture.candidate(3, models.strong, models.weak.sha256(), snapshot));
    awaitEvaluations(3);
    fixture.sendReleaseRequest(ReleaseAction.PROMOTE, 3, "admin-app");

    assertThat(manual.getKind()).isEqualTo(ReleaseKind.MANUAL);
    assertThat(manual.getModel().getVersion()).isEqualTo(2);
    assertThat(manual.getPreviousVersion()).isEqualTo(1);
    assertThat(manual.getReleasedBy()).isEqualTo("admin-app");
    assertThat(manual.getSha256()).isEqualTo(models.weak.sha256());
    assertThat(rolledBack.getKind()).isEqualTo(ReleaseKind.ROLLED_BACK);
    assertThat(rolledBack.getModel().getVersion()).isEqualTo(1);
    assertThat(rolledBack.getReleasedBy()).isEqualTo("admin-app");
    List<ConsumerRecord<byte[], byte[]>> parked = awaitDeadLetters(3);
    assertThat(parked)
        .extracting(r -> DeadLetters.read(r.headers()).orElseThrow().sourceTopic())
        .containsExactlyInAnyOrder(
            fixture.topics.candidates().name(),
            fixture.topics.releaseRequests().name(),
            fixture.topics.releaseRequests().name());
    assertThat(parked)
        .extracting(r -> DeadLetters.read(r.headers()).orElseThrow().errorMessage())
        .anySatisfy(m -> assertThat(m).contains("v99 is neither"))
        .anySatisfy(m -> assertThat(m).contains("v3: artifact").contains("does not verify"));
    assertThat(parked)
        .extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
        .contains("not avro");
    assertThat(fixture.readAll(fixture.topics.releases())).hasSize(3);
  }

  private static List<String> failed(EvaluationCompleted evaluation) {
    return evaluation.getChecks().stream()
        .filter(c -> !c.getPassed())
        .map(GateCheck::getName)
        .toList();
  }

  private List<ModelReleased> awaitReleases(int count) {
    await().atMost(WAIT).until(() -> fixture.readAll(fixture.topics.releases()).size() >= count);
    return fixture.readAll(fixture.topics.releases());
  }

  private List<EvaluationCompleted> awaitEvaluations(int count) {
    await().atMost(WAIT).until(() -> fixture.readAll(fixture.topics.evaluations()).size() >= count);
    return fixture.readAll(fixture.topics.evaluations());
  }

  private List<ConsumerRecord<byte[], byte[]>> awaitDeadLetters(int count) {
    String topic = fixture.topics.deadLetters().name();
    await().atMost(WAIT).until(() -> fixture.readRaw(topic).size() >= count);
    return fixture.readRaw(topic);
  }
}
