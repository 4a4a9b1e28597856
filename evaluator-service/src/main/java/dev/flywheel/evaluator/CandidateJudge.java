package dev.flywheel.evaluator;

import dev.flywheel.common.snapshot.ExampleSnapshot;
import dev.flywheel.common.snapshot.ExampleSnapshotReader;
import dev.flywheel.common.snapshot.SnapshotUnavailableException;
import dev.flywheel.events.Decision;
import dev.flywheel.events.EvaluationCompleted;
import dev.flywheel.events.GateCheck;
import dev.flywheel.events.GatePolicy;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelMetrics;
import dev.flywheel.events.ModelRef;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.PriorBaseline;
import dev.flywheel.slm.BundleException;
import dev.flywheel.slm.EvaluationReport;
import dev.flywheel.slm.Evaluator;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.ModelBundle;
import dev.flywheel.slm.Recipes;
import dev.flywheel.slm.TextClassifier;
import dev.flywheel.slm.data.DatasetException;
import dev.flywheel.slm.data.TsvDataset;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Judges one candidate: fetches and verifies its bundle (a sha256 mismatch is a rejection, never a
 * release), builds the evaluation set (the holdout examples of the candidate's snapshot, plus the
 * policy's golden set), evaluates candidate and champion on exactly those examples, scores the
 * {@link PriorPredictor} of the candidate's training snapshot on them too, and applies the {@link
 * Gate}. Anything that makes the candidate unusable becomes a REJECT with the reason; Kafka errors
 * while reading the snapshot propagate, so the caller retries.
 */
final class CandidateJudge implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CandidateJudge.class);
  static final String GOLDEN_ID_PREFIX = "golden:";

  private final ExampleSnapshotReader snapshots;
  private final Artifacts artifacts;
  private final int latencySamples;
  private final BooleanSupplier cancelled;
  private final EvaluatorMetrics metrics;
  private final Clock clock;

  /** A refusal before the gate could run: the check that failed and why. */
  private static final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;
    private final String check;

    Refusal(String check, String message) {
      super(message);
      this.check = check;
    }
  }

  /** Raised between steps once the evaluator is closing. */
  private static final class Cancelled extends Exception {
    private static final long serialVersionUID = 1L;
  }

  CandidateJudge(
      ExampleSnapshotReader snapshots,
      Artifacts artifacts,
      int latencySamples,
      BooleanSupplier cancelled,
      EvaluatorMetrics metrics,
      Clock clock) {
    this.snapshots = snapshots;
    this.artifacts = artifacts;
    this.latencySamples = latencySamples;
    this.cancelled = cancelled;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * The evaluation of {@code candidate}; empty when the evaluator started closing meanwhile (the
   * candidate then stays uncommitted and is judged again after the restart).
   */
  Optional<EvaluationCompleted> judge(
      ModelCandidate candidate, GatePolicy policy, Optional<ModelReleased> champion) {
    long started = System.nanoTime();
    metrics.evaluationStarted();
    try {
      if (champion.isPresent()
          && champion.get().getModel().getVersion() == candidate.getModel().getVersion()) {
        throw new Refusal(
            "version", "v" + candidate.getModel().getVersion() + " is already the serving version");
      }
      return Optional.of(evaluate(candidate, policy, champion, started));
    } catch (Cancelled e) {
      LOG.info(
          "evaluation of {} v{} abandoned: closing",
          candidate.getModel().getModel(),
          candidate.getModel().getVersion());
      return Optional.empty();
    } catch (Refusal r) {
      LOG.warn(
          "{} v{} refused: {}",
          candidate.getModel().getModel(),
          candidate.getModel().getVersion(),
          r.getMessage());
      return Optional.of(refusal(candidate, champion, r, started));
    } catch (RuntimeException e) {
      if (e instanceof org.apache.kafka.common.KafkaException) {
        throw e; // reading the snapshot failed: the caller retries the candidate
      }
      LOG.warn(
          "evaluation of {} v{} failed",
          candidate.getModel().getModel(),
          candidate.getModel().getVersion(),
          e);
      return Optional.of(
          refusal(
              candidate, champion, new Refusal("evaluation", "evaluation failed: " + e), started));
    } finally {
      metrics.evaluationEnded();
    }
  }

  private EvaluationCompleted evaluate(
      ModelCandidate candidate, GatePolicy policy, Optional<ModelReleased> champion, long started)
      throws Refusal, Cancelled {
    ModelBundle candidateBundle =
        fetch("candidate", candidate.getArtifactUri(), candidate.getSha256());
    checkCancelled();
    List<Example> holdout = holdout(candidate);
    List<Example> golden = golden(policy);
    checkCancelled();
    try (TextClassifier candidateModel =
        load("candidate", candidateBundle, candidate.getArtifactUri())) {
      List<Example> examples = new ArrayList<>(holdout.size() + golden.size());
      examples.addAll(holdout);
      examples.addAll(golden);
      Optional<ModelBundle> championBundle = fetchChampion(champion);
      try (TextClassifier championModel =
          championBundle.isPresent()
              ? load("champion", championBundle.get(), champion.get().getArtifactUri())
              : null) {
        examples = commonLabels(examples, candidateModel, Optional.ofNullable(championModel));
        if (examples.isEmpty()) {
          throw new Refusal(
              "evaluation_set", "the evaluation set is empty (no holdout or golden examples)");
        }
        Scores scores =
            score(examples, candidateModel, candidateBundle, championModel, championBundle);
        checkCancelled();
        PriorBaseline prior =
            PriorPredictor.score(
                candidate.getSnapshot().getCountsPerLabel(),
                examples.stream().map(Example::label).toList());
        Gate.Result result =
            Gate.evaluate(
                policy,
                scores.candidate(),
                scores.comparison(),
                Gate.PriorComparison.of(prior, scores.candidateCorrect()));
        return completed(candidate, champion, started, examples, scores, prior, result);
      }
    }
  }

  private Optional<ModelBundle> fetchChampion(Optional<ModelReleased> champion) throws Refusal {
    if (champion.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        fetch("champion", champion.get().getArtifactUri(), champion.get().getSha256()));
  }

  /**
   * The candidate's metrics and per-example correctness on the evaluation set, and, when there is a
   * champion, its metrics ({@code champion}, else null) and the paired comparison.
   */
  private record Scores(
      ModelMetrics candidate,
      boolean[] candidateCorrect,
      ModelMetrics champion,
      Optional<Gate.Comparison> comparison) {}

  /** Runs the candidate, and the champion when there is one, over the evaluation set. */
  private Scores score(
      List<Example> examples,
      TextClassifier candidateModel,
      ModelBundle candidateBundle,
      TextClassifier championModel,
      Optional<ModelBundle> championBundle)
      throws Cancelled {
    checkCancelled();
    EvaluationReport candidateReport = Evaluator.evaluate(candidateModel, examples, latencySamples);
    ModelMetrics candidateMetrics = toMetrics(candidateReport, candidateBundle.sizeBytes());
    if (championModel == null) {
      return new Scores(candidateMetrics, candidateReport.correctness(), null, Optional.empty());
    }
    checkCancelled();
    EvaluationReport championReport = Evaluator.evaluate(championModel, examples, latencySamples);
    ModelMetrics championMetrics = toMetrics(championReport, championBundle.get().sizeBytes());
    return new Scores(
        candidateMetrics,
        candidateReport.correctness(),
        championMetrics,
        Optional.of(
            new Gate.Comparison(
                championMetrics, candidateReport.correctness(), championReport.correctness())));
  }

  /** The completed evaluation: the gate's verdict and what it was reached on. */
  private EvaluationCompleted completed(
      ModelCandidate candidate,
      Optional<ModelReleased> champion,
      long started,
      List<Example> examples,
      Scores scores,
      PriorBaseline prior,
      Gate.Result result) {
    long holdoutUsed = examples.stream().filter(e -> !e.id().startsWith(GOLDEN_ID_PREFIX)).count();
    return base(candidate, champion, started)
        .setCandidateMetrics(scores.candidate())
        .setChampionMetrics(scores.champion())
        .setChecks(result.checks())
        .setPValue(result.pValue().orElse(null))
        .setPrior(prior)
        .setDecision(result.decision())
        .setReasons(result.reasons())
        .setHoldoutExamples(holdoutUsed)
        .setGoldenExamples(examples.size() - holdoutUsed)
        .build();
  }

  private void checkCancelled() throws Cancelled {
    if (cancelled.getAsBoolean()) {
      throw new Cancelled();
    }
  }

  private ModelBundle fetch(String role, String uri, String sha256) throws Refusal {
    try {
      return artifacts.bundle(uri, sha256);
    } catch (BundleException e) {
      if (e.reason() == BundleException.Reason.CHECKSUM_MISMATCH) {
        throw new Refusal(
            "artifact_sha256",
            role
                + " artifact "
                + uri
                + " does not match its sha256 "
                + sha256
                + ": "
                + e.getMessage());
      }
      throw new Refusal(
          "artifact",
          role + " artifact " + uri + " is unusable (" + e.reason() + "): " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new Refusal("artifact", role + " artifact cannot be fetched: " + e.getMessage());
    }
  }

  private TextClassifier load(String role, ModelBundle bundle, String uri) throws Refusal {
    try {
      return Recipes.forArchitecture(bundle.manifest().architecture())
          .load(bundle, artifacts.recipeContext(uri));
    } catch (IllegalArgumentException e) {
      throw new Refusal("artifact", role + " bundle cannot be loaded: " + e.getMessage());
    } catch (BundleException e) {
      throw new Refusal(
          "artifact", role + " bundle cannot be loaded (" + e.reason() + "): " + e.getMessage());
    }
  }

  private List<Example> holdout(ModelCandidate candidate) throws Refusal {
    ExampleSnapshot snapshot;
    try {
      snapshot = snapshots.readUpTo(candidate.getSnapshot(), candidate.getModel().getModel());
    } catch (SnapshotUnavailableException e) {
      throw new Refusal(
          "evaluation_set", "the candidate's snapshot cannot be replayed: " + e.getMessage());
    }
    List<Example> examples = new ArrayList<>(snapshot.holdout().size());
    for (LabeledExample e : snapshot.holdout()) {
      examples.add(new Example(e.getExampleId(), e.getText(), e.getLabel()));
    }
    return examples;
  }

  private List<Example> golden(GatePolicy policy) throws Refusal {
    String uri = policy.getGoldenSet();
    if (uri == null || uri.isBlank()) {
      return List.of();
    }
    try {
      List<Example> examples = new ArrayList<>();
      for (Example e : TsvDataset.read(artifacts.localFile(uri)).examples()) {
        examples.add(new Example(GOLDEN_ID_PREFIX + e.id(), e.text(), e.label(), e.weight()));
      }
      return examples;
    } catch (DatasetException | IllegalArgumentException e) {
      throw new Refusal("golden_set", "golden set " + uri + " cannot be read: " + e.getMessage());
    }
  }

  /**
   * Keeps the examples whose label every model knows: a model cannot be scored on a label it was
   * never given, and the paired test needs both on the same examples.
   */
  private static List<Example> commonLabels(
      List<Example> examples, TextClassifier candidate, Optional<TextClassifier> champion) {
    Set<String> known = new HashSet<>(candidate.labels());
    champion.ifPresent(c -> known.retainAll(c.labels()));
    List<Example> kept = examples.stream().filter(e -> known.contains(e.label())).toList();
    if (kept.size() < examples.size()) {
      LOG.warn(
          "{} of {} evaluation examples carry a label not known to every model; left out",
          examples.size() - kept.size(),
          examples.size());
    }
    return kept;
  }

  static ModelMetrics toMetrics(EvaluationReport report, long sizeBytes) {
    Map<String, dev.flywheel.events.LabelMetrics> perLabel = new LinkedHashMap<>();
    report
        .perLabel()
        .forEach(
            (label, m) ->
                perLabel.put(
                    label,
                    dev.flywheel.events.LabelMetrics.newBuilder()
                        .setPrecision(m.precision())
                        .setRecall(m.recall())
                        .setF1(m.f1())
                        .setSupport(m.support())
                        .build()));
    return ModelMetrics.newBuilder()
        .setExamples(report.examples())
        .setAccuracy(report.accuracy())
        .setMacroF1(report.macroF1())
        .setExpectedCalibrationError(finite(report.expectedCalibrationError()))
        .setPerLabel(perLabel)
        .setLatencyP50Ms(finite(report.latencyP50Millis()))
        .setLatencyP95Ms(finite(report.latencyP95Millis()))
        .setSizeBytes(sizeBytes)
        .setExtra(Map.of())
        .setConfusion(confusion(report))
        .build();
  }

  /** The report's confusion matrix by label names, without its zero cells. */
  static Map<String, Map<String, Long>> confusion(EvaluationReport report) {
    Map<String, Map<String, Long>> cells = new LinkedHashMap<>();
    List<String> labels = report.labels();
    for (int actual = 0; actual < labels.size(); actual++) {
      Map<String, Long> row = new LinkedHashMap<>();
      for (int predicted = 0; predicted < labels.size(); predicted++) {
        int count = report.confusion()[actual][predicted];
        if (count > 0) {
          row.put(labels.get(predicted), (long) count);
        }
      }
      if (!row.isEmpty()) {
        cells.put(labels.get(actual), row);
      }
    }
    return cells;
  }

  private static Double finite(double value) {
    return Double.isFinite(value) ? value : null;
  }

  private EvaluationCompleted refusal(
      ModelCandidate candidate, Optional<ModelReleased> champion, Refusal refusal, long started) {
    GateCheck check =
        GateCheck.newBuilder()
            .setName(refusal.check)
            .setValue(null)
            .setThreshold(null)
            .setPassed(false)
            .setDetail(refusal.getMessage())
            .build();
    return base(candidate, champion, started)
        .setCandidateMetrics(
            ModelMetrics.newBuilder()
                .setExamples(0)
                .setAccuracy(0)
                .setMacroF1(0)
                .setSizeBytes(candidate.getSizeBytes())
                .build())
        .setChampionMetrics(null)
        .setChecks(List.of(check))
        .setPValue(null)
        .setDecision(Decision.REJECT)
        .setReasons(List.of(refusal.check + " failed: " + refusal.getMessage()))
        .setHoldoutExamples(0)
        .setGoldenExamples(0)
        .build();
  }

  private EvaluationCompleted.Builder base(
      ModelCandidate candidate, Optional<ModelReleased> champion, long started) {
    Instant now = clock.instant();
    return EvaluationCompleted.newBuilder()
        .setEvaluationId(UUID.randomUUID().toString())
        .setCandidate(candidate.getModel())
        .setChampion(champion.map(c -> ModelRef.newBuilder(c.getModel()).build()).orElse(null))
        .setDurationMillis(Duration.ofNanos(System.nanoTime() - started).toMillis())
        .setTimestamp(now);
  }

  @Override
  public void close() {
    snapshots.close();
  }
}
