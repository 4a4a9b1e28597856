package dev.flywheel.ingest;

import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.QualityReport;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.events.TrainingPhase;
import dev.flywheel.events.TrainingProgress;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The live side of every model as the gateway sees it, built only from topics (like {@link
 * RegistryView}): live-quality reports over time, the examples counted towards the next retrain
 * since the last retrain request, and the progress of the latest training run. Every collection is
 * bounded, so a busy model cannot grow the gateway's memory. The follower thread applies records;
 * HTTP handlers read JSON copies.
 */
final class ActivityView {
  /** Quality samples kept per model (each a report update, at most one a second per window). */
  static final int MAX_SAMPLES = 2_000;

  /** Progress points kept of the latest run. */
  static final int MAX_PROGRESS = 500;

  /** Retrain requests kept per model (their times give each version's trigger-to-release time). */
  static final int MAX_REQUESTS = 200;

  /** How far back the feedback rate looks. */
  static final long RATE_WINDOW_MILLIS = 5 * 60_000L;

  private static final long THIN_MILLIS = 1_000;

  /** One live-quality report: the counts of one version's window as they stood at {@code at}. */
  record Sample(
      int version,
      long windowStart,
      long windowEnd,
      long at,
      long predictions,
      long feedback,
      long confirmations,
      long corrections,
      long thumbsDown,
      long comments,
      Double liveAccuracy,
      Double accuracyLower,
      Double accuracyUpper) {

    static Sample of(QualityReport report) {
      return new Sample(
          report.getModel().getVersion(),
          report.getWindowStart().toEpochMilli(),
          report.getWindowEnd().toEpochMilli(),
          report.getTimestamp().toEpochMilli(),
          report.getPredictions(),
          report.getFeedback(),
          report.getConfirmations(),
          report.getCorrections(),
          report.getThumbsDown(),
          report.getComments(),
          report.getLiveAccuracy(),
          report.getAccuracyLower(),
          report.getAccuracyUpper());
    }

    boolean sameWindow(Sample other) {
      return version == other.version && windowStart == other.windowStart;
    }

    JsonObject json() {
      return new JsonObject()
          .put("version", version)
          .put("window_start", windowStart)
          .put("window_end", windowEnd)
          .put("at", at)
          .put("predictions", predictions)
          .put("feedback", feedback)
          .put("confirmations", confirmations)
          .put("corrections", corrections)
          .put("thumbs_down", thumbsDown)
          .put("comments", comments)
          .put("live_accuracy", liveAccuracy)
          .put("accuracy_lower", accuracyLower)
          .put("accuracy_upper", accuracyUpper);
    }
  }

  /** What is known of one model; guarded by the view's lock. */
  private static final class ModelActivity {
    final Deque<Sample> samples = new ArrayDeque<>();
    final Deque<RetrainRequested> requests = new ArrayDeque<>();
    long countedSince = Long.MIN_VALUE;
    long newExamples;
    TrainingProgress latestProgress;
    final Deque<TrainingProgress> progress = new ArrayDeque<>();
  }

  private final Map<String, ModelActivity> models = new TreeMap<>();

  synchronized void applyQuality(QualityReport report) {
    Deque<Sample> samples = model(report.getModel().getModel()).samples;
    Sample sample = Sample.of(report);
    Sample last = samples.peekLast();
    if (last != null && last.sameWindow(sample) && sample.at() - last.at() < THIN_MILLIS) {
      samples.pollLast();
    }
    samples.addLast(sample);
    while (samples.size() > MAX_SAMPLES) {
      samples.pollFirst();
    }
  }

  /** A retrain request (automatic or manual): the example count starts again from zero. */
  synchronized void applyRetrainRequest(RetrainRequested request) {
    ModelActivity activity = model(request.getModel());
    activity.requests.addLast(request);
    while (activity.requests.size() > MAX_REQUESTS) {
      activity.requests.pollFirst();
    }
    activity.countedSince = request.getTimestamp().toEpochMilli();
    activity.newExamples = 0;
  }

  /**
   * A new or relabelled example, as the retrain trigger counts them: non-holdout ones written after
   * the model's last retrain request.
   */
  synchronized void applyExample(LabeledExample example, long recordTimestamp) {
    if (example.getHoldout()) {
      return;
    }
    ModelActivity activity = model(example.getModel());
    if (recordTimestamp > activity.countedSince) {
      activity.newExamples++;
    }
  }

  synchronized void applyProgress(TrainingProgress update) {
    ModelActivity activity = model(update.getModel());
    TrainingProgress latest = activity.latestProgress;
    if (latest != null
        && latest.getRequestId().equals(update.getRequestId())
        && latest.getTimestamp().isAfter(update.getTimestamp())) {
      return; // an older report of the same run, read late
    }
    if (latest == null || !latest.getRequestId().equals(update.getRequestId())) {
      activity.progress.clear();
    }
    activity.latestProgress = update;
    activity.progress.addLast(update);
    while (activity.progress.size() > MAX_PROGRESS) {
      activity.progress.pollFirst();
    }
  }

  /**
   * The activity of one model as the contract's {@code ModelActivity}: the latest {@code samples}
   * quality samples, the live quality of {@code champion} (or of the latest version reported), the
   * feedback rate at {@code now}, the trigger's count against {@code minNewExamples}, and the
   * latest training run.
   */
  synchronized JsonObject json(
      String name, int samples, Integer champion, int minNewExamples, long now) {
    ModelActivity activity = models.getOrDefault(name, new ModelActivity());
    List<Sample> all = new ArrayList<>(activity.samples);
    JsonArray quality = new JsonArray();
    for (Sample sample : all.subList(Math.max(0, all.size() - samples), all.size())) {
      quality.add(sample.json());
    }
    Sample live = null;
    for (int i = all.size() - 1; i >= 0 && live == null; i--) {
      if (champion == null || all.get(i).version() == champion) {
        live = all.get(i);
      }
    }
    JsonObject trigger =
        new JsonObject()
            .put("new_examples", activity.newExamples)
            .put("min_new_examples", minNewExamples)
            .put("until_next_retrain", Math.max(0, minNewExamples - activity.newExamples))
            .put("last_request", request(activity.requests.peekLast()));
    JsonArray requests = new JsonArray();
    activity.requests.forEach(r -> requests.add(request(r)));
    return new JsonObject()
        .put("model", name)
        .put("live", live == null ? null : live.json())
        .put(
            "feedback",
            new JsonObject()
                .put("per_minute", feedbackPerMinute(all, now))
                .put("rate_window_seconds", RATE_WINDOW_MILLIS / 1000))
        .put("trigger", trigger)
        .put("training", training(activity))
        .put("requests", requests)
        .put("quality", quality);
  }

  /**
   * Matched feedback per minute over the last {@link #RATE_WINDOW_MILLIS}: each report carries its
   * window's running count, so the feedback in the period is the growth of each window's count.
   */
  static double feedbackPerMinute(List<Sample> samples, long now) {
    long since = now - RATE_WINDOW_MILLIS;
    Map<String, Long> before = new HashMap<>();
    long counted = 0;
    for (Sample sample : samples) {
      String window = sample.version() + "@" + sample.windowStart();
      long previous = before.getOrDefault(window, 0L);
      if (sample.at() > since && sample.at() <= now) {
        counted += Math.max(0, sample.feedback() - previous);
      }
      before.put(window, sample.feedback());
    }
    return Math.round(counted * 60_000.0 / RATE_WINDOW_MILLIS * 100) / 100.0;
  }

  private static JsonObject request(RetrainRequested request) {
    if (request == null) {
      return null;
    }
    return new JsonObject()
        .put("request_id", request.getRequestId())
        .put("reason", request.getReason().name().toLowerCase(Locale.ROOT))
        .put("new_examples", request.getNewExamples())
        .put("total_examples", request.getTotalExamples())
        .put("champion_version", request.getChampionVersion())
        .put("requested_by", request.getRequestedBy())
        .put("requested_at", request.getTimestamp().toEpochMilli());
  }

  private static JsonObject training(ModelActivity activity) {
    TrainingProgress latest = activity.latestProgress;
    if (latest == null) {
      return null;
    }
    boolean running =
        latest.getPhase() != TrainingPhase.FINISHED && latest.getPhase() != TrainingPhase.FAILED;
    // One point per epoch: its latest report (an epoch can be reported again with its checkpoint).
    Map<Integer, JsonObject> byEpoch = new TreeMap<>();
    for (TrainingProgress point : activity.progress) {
      if (point.getEpoch() > 0 && point.getPhase() != TrainingPhase.STEP) {
        byEpoch.put(
            point.getEpoch(),
            new JsonObject()
                .put("epoch", point.getEpoch())
                .put("loss", point.getLoss())
                .put("validation_accuracy", point.getValidationAccuracy())
                .put("at", point.getTimestamp().toEpochMilli()));
      }
    }
    JsonArray epochs = new JsonArray(new ArrayList<>(byEpoch.values()));
    return new JsonObject()
        .put("request_id", latest.getRequestId())
        .put("version", latest.getVersion())
        .put("phase", latest.getPhase().name().toLowerCase(Locale.ROOT))
        .put("running", running)
        .put("epoch", latest.getEpoch())
        .put("epochs", latest.getEpochs())
        .put("step", latest.getStep())
        .put("steps", latest.getSteps())
        .put("loss", latest.getLoss())
        .put("validation_accuracy", latest.getValidationAccuracy())
        .put("examples_per_second", latest.getExamplesPerSecond())
        .put("eta_millis", latest.getEtaMillis())
        .put("device", latest.getDevice())
        .put("worker", latest.getWorker())
        .put("updated_at", latest.getTimestamp().toEpochMilli())
        .put("history", epochs);
  }

  private ModelActivity model(String name) {
    return models.computeIfAbsent(name, n -> new ModelActivity());
  }
}
