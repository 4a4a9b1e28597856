package dev.flywheel.platform;

import dev.flywheel.events.Decision;
import dev.flywheel.events.EvaluationCompleted;
import dev.flywheel.events.GateCheck;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.events.TrainingFailed;
import dev.flywheel.events.TrainingPhase;
import dev.flywheel.events.TrainingProgress;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the demo prints: one line per loop event (retrain request, training progress, candidate,
 * evaluation, release), a periodic line on the simulated app's traffic, and the summary table at
 * the end. Called from the event watcher's thread and the demo's ticker; synchronised on itself.
 */
final class DemoConsole implements LoopWatcher.Listener {
  /** One row of the summary: what happened to one candidate version. */
  static final class Row {
    int version;
    long trainedOn;
    Double holdoutAccuracy;
    Double championAccuracy;
    Double pValue;
    String decision = "in progress";
    Instant triggeredAt;
    Instant decidedAt;
    boolean released;
    ModelCandidate candidate;
    Double reference;
  }

  private final PrintStream out;
  private final String model;
  private final Instant start = Instant.now();
  private final boolean terminal;
  private final Map<String, Instant> requestTimes = new ConcurrentHashMap<>();
  private final Set<String> pendingRequests = ConcurrentHashMap.newKeySet();
  private volatile Instant lastEvent = Instant.now();
  private final Map<Integer, Row> rows = new TreeMap<>();
  private final AtomicInteger releases = new AtomicInteger();
  private boolean progressLineOpen;

  DemoConsole(PrintStream out, String model, boolean terminal) {
    this.out = out;
    this.model = model;
    this.terminal = terminal;
  }

  int releases() {
    return releases.get();
  }

  synchronized List<Row> rows() {
    return new ArrayList<>(rows.values());
  }

  /**
   * True when nothing of this model is under way: every retrain request was served (by a candidate
   * or a failure) and every candidate was decided.
   */
  synchronized boolean idle() {
    return pendingRequests.isEmpty()
        && rows.values().stream().allMatch(row -> row.decidedAt != null);
  }

  /** When the last event of this model arrived. */
  Instant lastEvent() {
    return lastEvent;
  }

  /** Records the offline reference's holdout accuracy for a version, shown in the summary. */
  synchronized void reference(int version, Double accuracy) {
    row(version).reference = accuracy;
  }

  synchronized void line(String text) {
    closeProgressLine();
    out.printf(Locale.ROOT, "[%s] %s%n", elapsed(), text);
  }

  void traffic(AppSimulator.Stats stats, double feedbackPerSecond) {
    long predictions = stats.predictions.get();
    double served =
        predictions == 0 ? 0.0 : (double) stats.correctPredictions.get() / predictions * 100.0;
    line(
        String.format(
            Locale.ROOT,
            "app: %d predictions (%.0f%% right), %d feedback (%d confirmations, %d corrections,"
                + " %d noisy) %.1f feedback/s",
            predictions,
            served,
            stats.feedback(),
            stats.confirmations.get(),
            stats.corrections.get(),
            stats.noisy.get(),
            feedbackPerSecond));
  }

  @Override
  public void retrainRequested(RetrainRequested event) {
    if (!model.equals(event.getModel())) {
      return;
    }
    lastEvent = Instant.now();
    requestTimes.put(event.getRequestId(), event.getTimestamp());
    pendingRequests.add(event.getRequestId());
    line(
        String.format(
            Locale.ROOT,
            "retrain requested: %s (%d new examples, %d in all)%s",
            event.getReason(),
            event.getNewExamples(),
            event.getTotalExamples(),
            event.getDetail() == null ? "" : " - " + event.getDetail()));
  }

  @Override
  public synchronized void progress(TrainingProgress event) {
    if (!model.equals(event.getModel())) {
      return;
    }
    lastEvent = Instant.now();
    row(event.getVersion());
    if (event.getPhase() == TrainingPhase.STARTED) {
      line(String.format(Locale.ROOT, "training v%d on %s", event.getVersion(), event.getDevice()));
      rows.get(event.getVersion()).triggeredAt = requestTimes.get(event.getRequestId());
      return;
    }
    if (event.getPhase() != TrainingPhase.STEP && event.getPhase() != TrainingPhase.EPOCH) {
      return;
    }
    String bar = progressBar(event);
    if (terminal) {
      out.print("\r" + bar);
      progressLineOpen = true;
    } else if (event.getPhase() == TrainingPhase.EPOCH) {
      line(bar);
    }
  }

  private static String progressBar(TrainingProgress event) {
    double done =
        event.getSteps() > 0
            ? (double) event.getStep() / event.getSteps()
            : event.getEpochs() > 0 ? (double) event.getEpoch() / event.getEpochs() : 0.0;
    int width = 24;
    int filled = (int) Math.round(Math.min(1.0, done) * width);
    StringBuilder text =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "  v%d [%s%s] epoch %d/%d",
                event.getVersion(),
                "#".repeat(filled),
                "-".repeat(width - filled),
                event.getEpoch(),
                event.getEpochs()));
    if (event.getLoss() != null) {
      text.append(String.format(Locale.ROOT, " loss %.3f", event.getLoss()));
    }
    if (event.getValidationAccuracy() != null) {
      text.append(String.format(Locale.ROOT, " val acc %.3f", event.getValidationAccuracy()));
    }
    if (event.getExamplesPerSecond() > 0) {
      text.append(String.format(Locale.ROOT, " %.0f ex/s", event.getExamplesPerSecond()));
    }
    if (event.getEtaMillis() != null) {
      text.append(String.format(Locale.ROOT, " ETA %.0fs", event.getEtaMillis() / 1000.0));
    }
    return text.append("   ").toString();
  }

  @Override
  public synchronized void candidate(ModelCandidate event) {
    if (!model.equals(event.getModel().getModel())) {
      return;
    }
    lastEvent = Instant.now();
    pendingRequests.remove(event.getRequestId());
    pendingRequests.removeAll(event.getCoalescedRequestIds());
    Row row = row(event.getModel().getVersion());
    row.candidate = event;
    row.trainedOn = event.getSnapshot().getTrainExamples();
    if (row.triggeredAt == null) {
      row.triggeredAt = requestTimes.get(event.getRequestId());
    }
    Double validation = event.getValidationMetrics().get("accuracy");
    line(
        String.format(
            Locale.ROOT,
            "candidate v%d: trained on %d examples in %.1fs%s%s",
            event.getModel().getVersion(),
            row.trainedOn,
            event.getDurationMillis() / 1000.0,
            validation == null
                ? ""
                : String.format(Locale.ROOT, ", validation accuracy %.3f", validation),
            event.getParentVersion() == null
                ? ""
                : " (warm start from v" + event.getParentVersion() + ")"));
  }

  @Override
  public synchronized void trainingFailed(TrainingFailed event) {
    if (model.equals(event.getModel())) {
      lastEvent = Instant.now();
      pendingRequests.remove(event.getRequestId());
      if (event.getVersion() != null) {
        markFailed(event.getVersion());
      }
      line("training failed: " + event.getReason() + " - " + event.getMessage());
    }
  }

  @Override
  public synchronized void evaluated(EvaluationCompleted event) {
    if (!model.equals(event.getCandidate().getModel())) {
      return;
    }
    lastEvent = Instant.now();
    Row row = row(event.getCandidate().getVersion());
    row.holdoutAccuracy = event.getCandidateMetrics().getAccuracy();
    row.championAccuracy =
        event.getChampionMetrics() == null ? null : event.getChampionMetrics().getAccuracy();
    row.pValue = event.getPValue();
    row.decision = event.getDecision() == Decision.RELEASE ? "released" : "rejected";
    row.decidedAt = event.getTimestamp();
    StringBuilder text =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "evaluation v%d on %d holdout examples: accuracy %.3f",
                row.version,
                event.getCandidateMetrics().getExamples(),
                row.holdoutAccuracy));
    if (event.getChampion() != null && row.championAccuracy != null) {
      text.append(
          String.format(
              Locale.ROOT,
              " vs champion v%d %.3f",
              event.getChampion().getVersion(),
              row.championAccuracy));
    } else if (event.getPrior() != null) {
      text.append(
          String.format(
              Locale.ROOT,
              " vs the prior (always '%s') %.3f",
              event.getPrior().getMajorityLabel(),
              event.getPrior().getMajorityAccuracy()));
    } else {
      text.append(" (no champion yet)");
    }
    if (row.pValue != null) {
      text.append(", p=").append(pValue(row.pValue));
    }
    text.append(" -> ").append(event.getDecision());
    if (event.getDecision() != Decision.RELEASE) {
      List<String> failed = new ArrayList<>();
      for (GateCheck check : event.getChecks()) {
        if (!check.getPassed()) {
          failed.add(check.getName());
        }
      }
      text.append(" (failed: ").append(String.join(", ", failed)).append(')');
    }
    line(text.toString());
  }

  @Override
  public synchronized void released(ModelReleased event) {
    if (!model.equals(event.getModel().getModel())) {
      return;
    }
    lastEvent = Instant.now();
    Row row = row(event.getModel().getVersion());
    row.released = true;
    row.decidedAt = event.getTimestamp();
    releases.incrementAndGet();
    line(
        String.format(
            Locale.ROOT,
            "RELEASE v%d (%s)%s - the gateway now serves it",
            event.getModel().getVersion(),
            event.getKind(),
            event.getPreviousVersion() == null
                ? ""
                : ", replacing v" + event.getPreviousVersion()));
  }

  /**
   * The summary table, one row per candidate version, with the offline reference beside each (the
   * TF-IDF + logistic-regression model trained on the same examples, scored on the same holdout),
   * then how close the last release came to it.
   */
  synchronized void summary() {
    closeProgressLine();
    out.println();
    out.println(
        "version  trained on  holdout acc  reference  champion acc  p-value  decision     "
            + "trigger->release");
    Row lastRelease = null;
    for (Row row : rows.values()) {
      String latency =
          row.released && row.triggeredAt != null && row.decidedAt != null
              ? String.format(
                  Locale.ROOT,
                  "%.1fs",
                  Duration.between(row.triggeredAt, row.decidedAt).toMillis() / 1000.0)
              : "-";
      out.printf(
          Locale.ROOT,
          "%-8s %10d  %11s  %9s  %12s  %7s  %-11s  %s%n",
          "v" + row.version,
          row.trainedOn,
          fixed(row.holdoutAccuracy),
          fixed(row.reference),
          fixed(row.championAccuracy),
          pValue(row.pValue),
          row.decision,
          latency);
      if (row.released) {
        lastRelease = row;
      }
    }
    out.println();
    out.println(
        "reference: TF-IDF + logistic regression trained offline on each version's training"
            + " examples, scored on the same holdout.");
    if (lastRelease != null
        && lastRelease.holdoutAccuracy != null
        && lastRelease.reference != null) {
      double gap = (lastRelease.holdoutAccuracy - lastRelease.reference) * 100.0;
      out.printf(
          Locale.ROOT,
          "The last release, v%d, is %.1f points %s the reference on its %d examples.%n",
          lastRelease.version,
          Math.abs(gap),
          gap >= 0 ? "above" : "below",
          lastRelease.trainedOn);
    }
  }

  private void markFailed(int version) {
    Row row = row(version);
    row.decision = "failed";
    row.decidedAt = Instant.now();
  }

  private Row row(int version) {
    return rows.computeIfAbsent(
        version,
        v -> {
          Row row = new Row();
          row.version = v;
          return row;
        });
  }

  private static String pValue(Double p) {
    if (p == null) {
      return "-";
    }
    return p < 0.0001 ? "<0.0001" : String.format(Locale.ROOT, "%.4f", p);
  }

  private static String fixed(Double value) {
    return value == null ? "-" : String.format(Locale.ROOT, "%.3f", value);
  }

  private void closeProgressLine() {
    if (progressLineOpen) {
      out.println();
      progressLineOpen = false;
    }
  }

  private String elapsed() {
    long seconds = Duration.between(start, Instant.now()).toSeconds();
    return String.format(Locale.ROOT, "%02d:%02d", seconds / 60, seconds % 60);
  }
}
