package dev.flywheel.trainer;

import dev.flywheel.common.snapshot.ExampleSnapshot;
import dev.flywheel.common.snapshot.ExampleSnapshotReader;
import dev.flywheel.common.snapshot.SnapshotUnavailableException;
import dev.flywheel.events.DatasetSnapshot;
import dev.flywheel.events.FailureReason;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelRef;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.TrainingFailed;
import dev.flywheel.events.TrainingPhase;
import dev.flywheel.schemas.Events;
import dev.flywheel.slm.BaseModelInfo;
import dev.flywheel.slm.BundleManifest;
import dev.flywheel.slm.EngineLock;
import dev.flywheel.slm.EpochSummary;
import dev.flywheel.slm.ModelBundle;
import dev.flywheel.slm.TrainingException;
import dev.flywheel.slm.TrainingListener;
import dev.flywheel.slm.TrainingProgress;
import dev.flywheel.slm.TrainingRequest;
import dev.flywheel.slm.TrainingResult;
import dev.flywheel.trainer.ProgressPublisher.RunIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.kafka.common.errors.InterruptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training run, on a worker's training thread: it reads the outcome ledger, the model's spec,
 * the examples snapshot (or the one its checkpoint recorded) and the champion, trains with {@code
 * slm}, stores the bundle and returns the candidate, or the failure, for the polling thread to
 * publish. It never publishes outcomes itself, so nothing becomes visible unless the polling thread
 * still owns the request when it commits.
 */
final class TrainingRun implements Callable<RunOutcome> {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);

  private final Claim claim;
  private final RunContext ctx;
  private final ExampleSnapshotReader snapshots;
  private final String worker;
  private final Instant started;
  private volatile boolean stopAfterEpoch;
  private volatile boolean abandoned;
  private volatile Thread thread;
  private volatile Integer version;

  TrainingRun(Claim claim, RunContext ctx, ExampleSnapshotReader snapshots, String worker) {
    this.claim = claim;
    this.ctx = ctx;
    this.snapshots = snapshots;
    this.worker = worker;
    this.started = ctx.clock().instant();
  }

  Claim claim() {
    return claim;
  }

  Instant started() {
    return started;
  }

  /** Asks the run to end after the epoch in progress, once that epoch's checkpoint is stored. */
  void stopAfterEpoch() {
    stopAfterEpoch = true;
  }

  /** Stops the run as soon as possible; its last stored checkpoint stays. */
  void abandon() {
    abandoned = true;
    stopAfterEpoch = true;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
  }

  @Override
  public RunOutcome call() {
    thread = Thread.currentThread();
    try {
      return run();
    } catch (TrainingException e) {
      return fromTrainingException(e);
    } catch (InterruptException | InterruptedOrAbandoned e) {
      return new RunOutcome.Cancelled(String.valueOf(e.getMessage()));
    } catch (OutOfMemoryError e) {
      return failed(
          FailureReason.OUT_OF_MEMORY, "out of memory: " + e.getMessage(), versionInProgress(), e);
    } catch (RuntimeException e) {
      if (abandoned || Thread.currentThread().isInterrupted()) {
        return new RunOutcome.Cancelled("stopped: " + e);
      }
      FailureReason reason =
          FailureKinds.isOutOfMemory(e) ? FailureReason.OUT_OF_MEMORY : FailureReason.INTERNAL;
      return failed(reason, describe(e), versionInProgress(), e);
    } finally {
      thread = null;
      Thread.interrupted(); // the executor thread serves the next run with a clear flag
      deleteScratch();
    }
  }

  private RunOutcome run() {
    try {
      return trainCandidate();
    } catch (Ended e) {
      return e.outcome;
    }
  }

  /** The run ends early with {@link #outcome}: served, refused or cancelled before a candidate. */
  private static final class Ended extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient RunOutcome outcome;

    Ended(RunOutcome outcome) {
      super(null, null, false, false);
      this.outcome = outcome;
    }
  }

  /** The examples a run trains on, and the checkpoint it resumes from, if any. */
  private record Data(ExampleSnapshot snapshot, Optional<Artifacts.SavedCheckpoint> checkpoint) {}

  /** What a finished run stored. */
  private record Stored(TrainingResult result, Artifacts.Stored bundle) {}

  private RunOutcome trainCandidate() throws Ended {
    String requestId = claim.head().id();
    String model = claim.model();
    Recipe recipe = recipeOfUnservedRequest(requestId, model);
    checkStop();
    Path scratch = scratchDir(requestId);
    Data data = data(requestId, model, scratch);
    TrainingSet set = TrainingSet.of(data.snapshot().training(), recipe.labels());
    Optional<TrainingSet.Problem> problem = set.problem(ctx.config().minExamples());
    if (problem.isPresent()) {
      throw new Ended(failed(problem.get().reason(), problem.get().message(), null, null));
    }
    int version =
        Math.max(ctx.ledger().nextVersion(model), ctx.artifacts().maxStoredVersion(model) + 1);
    this.version = version;
    Optional<ModelReleased> champion =
        claim.fromScratch() ? Optional.empty() : ctx.releases().refresh().get(model);
    ModelBundle parent = parentBundle(champion, version);
    checkStop();
    RunIdentity identity = new RunIdentity(requestId, model, version, ctx.device(), worker);
    announce(identity, recipe, set, parent, champion, data.checkpoint());
    Stored stored = trainAndStore(recipe, set, data, identity, parent, scratch);
    TrainingResult result = stored.result();
    ModelCandidate candidate =
        candidate(identity, recipe, data.snapshot(), result, stored.bundle(), parent, champion);
    ctx.progress()
        .send(
            ctx.progress()
                .event(identity, TrainingPhase.FINISHED)
                .setEpoch(result.epochsRun())
                .setEpochs(recipe.maxEpochs())
                .setLoss(last(result.trainLoss()))
                .setValidationAccuracy(finite(result.bestValidationAccuracy()))
                .setExamplesPerSecond(result.examplesPerSecond())
                .setDevice(result.device())
                .build());
    LOG.info(
        "request {} ({} v{}): trained in {} epochs, validation accuracy {}, bundle {}",
        requestId,
        model,
        version,
        result.epochsRun(),
        result.bestValidationAccuracy(),
        stored.bundle().uri());
    return new RunOutcome.Trained(candidate);
  }

  /**
   * The recipe of the model's spec, unless the request was served already or has no usable spec.
   */
  private Recipe recipeOfUnservedRequest(String requestId, String model) throws Ended {
    ctx.ledger().refresh();
    if (ctx.ledger().isServed(requestId)) {
      LOG.info("request {} ({}): already served, skipping", requestId, model);
      throw new Ended(new RunOutcome.AlreadyServed());
    }
    Optional<ModelSpec> spec = ctx.specs().refresh().get(model);
    if (spec.isEmpty()) {
      throw new Ended(failed(FailureReason.NO_SPEC, "model " + model + " has no spec", null, null));
    }
    try {
      return Recipe.of(spec.get());
    } catch (Recipe.InvalidSpecException e) {
      throw new Ended(failed(FailureReason.INVALID_SPEC, e.getMessage(), null, null));
    }
  }

  /**
   * The snapshot the request's checkpoint recorded (and the checkpoint), else a new snapshot,
   * refused when nothing changed since the last candidate unless the request is forced.
   */
  private Data data(String requestId, String model, Path scratch) throws Ended {
    Optional<Artifacts.SavedCheckpoint> checkpoint =
        ctx.artifacts().findCheckpoint(model, requestId, scratch.resolve("resume.ckpt"));
    if (checkpoint.isPresent()) {
      try {
        return new Data(snapshots.readUpTo(checkpoint.get().snapshot(), model), checkpoint);
      } catch (SnapshotUnavailableException e) {
        LOG.warn(
            "request {}: checkpoint data gone ({}), training afresh", requestId, e.getMessage());
      }
    }
    ExampleSnapshot snapshot = snapshots.take(ctx.topics().examples().name(), model);
    Optional<ModelCandidate> last = ctx.ledger().lastCandidate(model);
    if (last.isPresent()
        && !claim.forced()
        && SnapshotChange.unchanged(last.get().getSnapshot(), snapshot, snapshots, model)) {
      throw new Ended(failed(FailureReason.UNCHANGED_SNAPSHOT, unchanged(last.get()), null, null));
    }
    return new Data(snapshot, Optional.empty());
  }

  /** The champion's bundle to warm-start from; null without a champion. */
  private ModelBundle parentBundle(Optional<ModelReleased> champion, int version) throws Ended {
    if (champion.isEmpty()) {
      return null;
    }
    try {
      return ctx.artifacts()
          .loadBundle(champion.get().getArtifactUri(), champion.get().getSha256());
    } catch (RuntimeException e) {
      throw new Ended(
          failed(
              FailureReason.INTERNAL,
              "champion v" + champion.get().getModel().getVersion() + " unusable: " + describe(e),
              version,
              e));
    }
  }

  /** Logs what the run trains and tells the progress topic it started. */
  private void announce(
      RunIdentity identity,
      Recipe recipe,
      TrainingSet set,
      ModelBundle parent,
      Optional<ModelReleased> champion,
      Optional<Artifacts.SavedCheckpoint> checkpoint) {
    LOG.info(
        "request {} ({} v{}): training {} examples ({} left out), {} coalesced, {}{}",
        identity.requestId(),
        identity.model(),
        identity.version(),
        set.examples().size(),
        set.leftOut(),
        claim.coalesced().size(),
        parent == null
            ? "from scratch"
            : "warm start from v" + champion.get().getModel().getVersion(),
        checkpoint.map(c -> ", resuming after epoch " + c.epoch()).orElse(""));
    ctx.progress()
        .send(
            ctx.progress()
                .event(identity, TrainingPhase.STARTED)
                .setEpochs(recipe.maxEpochs())
                .build());
  }

  /**
   * Trains, storing a checkpoint after each epoch, then stores the bundle; cancelled when the run
   * was abandoned meanwhile.
   */
  private Stored trainAndStore(
      Recipe recipe,
      TrainingSet set,
      Data data,
      RunIdentity identity,
      ModelBundle parent,
      Path scratch)
      throws Ended {
    int epochs = recipe.maxEpochs();
    CheckpointUploader uploader =
        new CheckpointUploader(
            ctx.artifacts(),
            identity.model(),
            identity.requestId(),
            started.toEpochMilli(),
            data.snapshot().snapshot(),
            epochs,
            epoch ->
                ctx.progress()
                    .send(
                        ctx.progress()
                            .event(identity, TrainingPhase.CHECKPOINT)
                            .setEpoch(epoch)
                            .setEpochs(epochs)
                            .build()));
    TrainingResult result = trainResuming(recipe, set, data, identity, parent, scratch, uploader);
    Thread.interrupted(); // a stop that came after the last epoch: the run finished, publish it
    try {
      if (abandoned) {
        throw new Ended(new RunOutcome.Cancelled("abandoned after training"));
      }
      return new Stored(result, ctx.artifacts().storeBundle(result.bundle()));
    } finally {
      uploader.releaseFinal();
    }
  }

  /**
   * Trains from the checkpoint if there is one (afresh when the checkpoint does not fit), and
   * settles the uploader: its last checkpoint stored when training failed, for whoever resumes.
   */
  private TrainingResult trainResuming(
      Recipe recipe,
      TrainingSet set,
      Data data,
      RunIdentity identity,
      ModelBundle parent,
      Path scratch,
      CheckpointUploader uploader) {
    Listener listener = new Listener(identity, recipe.maxEpochs(), uploader);
    ExampleSnapshot snapshot = data.snapshot();
    boolean trained = false;
    try {
      TrainingResult result;
      try {
        result =
            train(recipe, set, snapshot, identity, parent, listener, scratch, data.checkpoint());
      } catch (TrainingException e) {
        if (e.reason() != TrainingException.Reason.CHECKPOINT_INCOMPATIBLE
            || data.checkpoint().isEmpty()) {
          throw e;
        }
        LOG.warn(
            "request {}: checkpoint unusable ({}), training afresh",
            identity.requestId(),
            e.getMessage());
        result =
            train(recipe, set, snapshot, identity, parent, listener, scratch, Optional.empty());
      }
      trained = true;
      return result;
    } finally {
      if (!trained && !abandoned) {
        // A retry or the next owner resumes from the newest checkpoint: let it be stored.
        uploader.awaitStored(ctx.config().shutdownTimeout());
      }
      if (trained) {
        uploader.closeAfterUploads();
      } else {
        uploader.close();
      }
    }
  }

  private static String unchanged(ModelCandidate last) {
    DatasetSnapshot snapshot = last.getSnapshot();
    return "not trained: the examples have not changed since v"
        + last.getModel().getVersion()
        + " was trained on them ("
        + snapshot.getTrainExamples()
        + " training and "
        + snapshot.getHoldoutExamples()
        + " holdout examples, snapshot taken at "
        + snapshot.getTakenAt()
        + "); ask again with force=true to train on them anyway";
  }

  private TrainingResult train(
      Recipe recipe,
      TrainingSet set,
      ExampleSnapshot snapshot,
      RunIdentity identity,
      ModelBundle parent,
      Listener listener,
      Path scratch,
      Optional<Artifacts.SavedCheckpoint> resume) {
    TrainingRequest.Builder request =
        TrainingRequest.builder()
            .setExamples(set.examples())
            .setModelName(identity.model())
            .setVersion(Events.renderVersion(identity.version()))
            .optSettings(recipe.settings())
            .optStore(ctx.artifacts().store())
            .optLabels(recipe.labels())
            .optRequestId(identity.requestId())
            .optDatasetSnapshot(lineage(snapshot.snapshot()))
            .optListener(listener)
            .optProgressInterval(ctx.config().progressInterval())
            .optCheckpointFile(scratch.resolve("run.ckpt"))
            .optDevice(ctx.config().device());
    if (parent != null) {
      request.optParent(parent).optWarmStart(true);
    }
    resume.ifPresent(c -> request.optResumeFrom(c.file()));
    if (EngineLock.isBusy()) {
      LOG.info(
          "request {}: waiting for this process's other training to end", identity.requestId());
    }
    try {
      EngineLock.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedOrAbandoned("stopped while waiting for the engine");
    }
    try {
      return recipe.recipe().train(request.build());
    } finally {
      EngineLock.release();
    }
  }

  private ModelCandidate candidate(
      RunIdentity identity,
      Recipe recipe,
      ExampleSnapshot snapshot,
      TrainingResult result,
      Artifacts.Stored stored,
      ModelBundle parent,
      Optional<ModelReleased> champion) {
    Map<String, Double> training = new LinkedHashMap<>();
    putFinite(training, "loss", last(result.trainLoss()));
    putFinite(training, "examplesPerSecond", result.examplesPerSecond());
    training.put("examples", (double) result.trainExamples());
    training.put("bestEpoch", (double) result.bestEpoch());
    training.put("trainSeconds", result.duration().toMillis() / 1000.0);
    Map<String, Double> validation = new LinkedHashMap<>();
    putFinite(validation, "accuracy", result.bestValidationAccuracy());
    validation.put("examples", (double) result.validationExamples());
    Integer parentVersion =
        parent != null && result.warmStart().used() ? champion.get().getModel().getVersion() : null;
    Instant now = ctx.clock().instant();
    BundleManifest manifest = result.bundle().manifest();
    // A recipe may resolve settings at run time (the encoder's fine-tune mode): record those.
    Map<String, String> effective =
        manifest.formatVersion() >= ModelBundle.RECIPE_FORMAT_VERSION
            ? manifest.hyperparameters()
            : recipe.settings();
    return ModelCandidate.newBuilder()
        .setModel(new ModelRef(identity.model(), identity.version()))
        .setRequestId(identity.requestId())
        .setCoalescedRequestIds(claim.coalescedIds())
        .setArtifactUri(stored.uri())
        .setSha256(stored.sha256())
        .setSizeBytes(stored.sizeBytes())
        .setArchitecture(recipe.architecture())
        .setLabels(recipe.labels())
        .setHyperparameters(effective)
        .setBaseModel(baseModel(manifest.baseModel()))
        .setTrainingMetrics(training)
        .setValidationMetrics(validation)
        .setSnapshot(snapshot.snapshot())
        .setParentVersion(parentVersion)
        .setEpochs(result.epochsRun())
        .setDevice(result.device())
        .setWorker(worker)
        .setDurationMillis(Duration.between(started, now).toMillis())
        .setTimestamp(now)
        .build();
  }

  /** The base model's card as the candidate event carries it; null for a model from scratch. */
  static Map<String, String> baseModel(BaseModelInfo base) {
    if (base == null) {
      return null;
    }
    Map<String, String> card = new LinkedHashMap<>();
    card.put("name", base.name());
    card.put("architecture", base.architecture());
    card.put("parameters", Long.toString(base.parameters()));
    card.put("licence", base.licence());
    card.put("source", base.source());
    card.put("sha256", base.sha256());
    return card;
  }

  private RunOutcome fromTrainingException(TrainingException e) {
    if (e.reason() == TrainingException.Reason.INTERRUPTED) {
      return new RunOutcome.Cancelled(e.getMessage());
    }
    FailureReason reason = FailureKinds.reasonOf(e);
    return switch (reason) {
      case TOO_FEW_EXAMPLES, MISSING_LABEL, INVALID_SPEC ->
          failed(reason, e.getMessage(), null, null);
      case NAN_LOSS -> failed(reason, e.getMessage(), versionInProgress(), null);
      default -> failed(reason, describe(e), versionInProgress(), e);
    };
  }

  /** The version this run was training, for a failure during training. */
  private Integer versionInProgress() {
    return version;
  }

  private RunOutcome failed(
      FailureReason reason, String message, Integer version, Throwable cause) {
    String requestId = claim.head().id();
    int attempt = ctx.ledger().failedAttempts(requestId) + 1;
    boolean retryable = FailureKinds.isRetryable(reason);
    boolean deadLetter = retryable && attempt >= ctx.config().maxAttempts();
    String coalesced =
        claim.coalesced().isEmpty() ? "" : " (also serving " + claim.coalescedIds() + ")";
    TrainingFailed failure =
        TrainingFailed.newBuilder()
            .setRequestId(requestId)
            .setModel(claim.model())
            .setVersion(version)
            .setReason(reason)
            .setMessage(message + coalesced)
            .setAttempts(attempt)
            .setDeadLettered(deadLetter)
            .setWorker(worker)
            .setTimestamp(ctx.clock().instant())
            .build();
    if (version != null) {
      ctx.progress()
          .send(
              ctx.progress()
                  .event(
                      new RunIdentity(requestId, claim.model(), version, ctx.device(), worker),
                      TrainingPhase.FAILED)
                  .build());
    }
    LOG.warn(
        "request {} ({}): failed with {} (attempt {}{}): {}",
        requestId,
        claim.model(),
        reason,
        attempt,
        deadLetter ? ", dead-lettered" : retryable ? ", will retry" : "",
        message);
    return new RunOutcome.Failed(failure, retryable && !deadLetter, cause);
  }

  private void checkStop() {
    if (abandoned || stopAfterEpoch || Thread.currentThread().isInterrupted()) {
      throw new InterruptedOrAbandoned("stopped before training");
    }
  }

  private Path scratchDir(String requestId) {
    try {
      return Files.createDirectories(scratchPath(requestId));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Path scratchPath(String requestId) {
    return ctx.config()
        .workDir()
        .resolve(worker)
        .resolve(requestId.replaceAll("[^A-Za-z0-9._-]", "_"));
  }

  /** Removes the run's local checkpoint files: the stored checkpoints are what a retry uses. */
  private void deleteScratch() {
    Path scratch = scratchPath(claim.head().id());
    if (!Files.exists(scratch)) {
      return;
    }
    try (java.util.stream.Stream<Path> files = Files.walk(scratch)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      LOG.warn(
          "request {}: scratch files left in {}: {}", claim.head().id(), scratch, e.toString());
    }
  }

  static Map<String, String> lineage(DatasetSnapshot snapshot) {
    Map<String, String> map = new LinkedHashMap<>();
    map.put("topic", snapshot.getTopic());
    map.put(
        "ranges",
        snapshot.getRanges().stream()
            .map(r -> r.getPartition() + ":" + r.getStartOffset() + "-" + r.getEndOffset())
            .collect(Collectors.joining(",")));
    map.put("trainExamples", Long.toString(snapshot.getTrainExamples()));
    map.put("holdoutExamples", Long.toString(snapshot.getHoldoutExamples()));
    map.put("takenAt", snapshot.getTakenAt().toString());
    return map;
  }

  private static String describe(Throwable e) {
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static Double last(List<Double> values) {
    return values.isEmpty() ? null : finite(values.get(values.size() - 1));
  }

  private static Double finite(double value) {
    return Double.isFinite(value) ? value : null;
  }

  private static void putFinite(Map<String, Double> map, String key, Double value) {
    if (value != null && Double.isFinite(value)) {
      map.put(key, value);
    }
  }

  /** A stop request seen between the steps of a run. */
  private static final class InterruptedOrAbandoned extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InterruptedOrAbandoned(String message) {
      super(message);
    }
  }

  /** Turns slm's callbacks into progress events, metrics and stored checkpoints. */
  private final class Listener implements TrainingListener {
    private final RunIdentity identity;
    private final int epochs;
    private final CheckpointUploader uploader;

    Listener(RunIdentity identity, int epochs, CheckpointUploader uploader) {
      this.identity = identity;
      this.epochs = epochs;
      this.uploader = uploader;
    }

    @Override
    public void onProgress(TrainingProgress p) {
      ctx.metrics().progress(p.examplesPerSecond(), p.loss());
      long stepsPerEpoch = p.steps();
      ctx.progress()
          .send(
              ctx.progress()
                  .event(identity, TrainingPhase.STEP)
                  .setEpoch(p.epoch())
                  .setEpochs(p.epochs())
                  .setStep((p.epoch() - 1L) * stepsPerEpoch + p.step())
                  .setSteps(p.epochs() * stepsPerEpoch)
                  .setLoss(finite(p.loss()))
                  .setExamplesPerSecond(p.examplesPerSecond())
                  .setEtaMillis(p.eta() == null ? null : p.eta().toMillis())
                  .setDevice(p.device())
                  .build());
    }

    @Override
    public void onEpochEnd(EpochSummary summary) {
      ctx.progress()
          .send(
              ctx.progress()
                  .event(identity, TrainingPhase.EPOCH)
                  .setEpoch(summary.epoch())
                  .setEpochs(epochs)
                  .setLoss(finite(summary.trainLoss()))
                  .setValidationAccuracy(finite(summary.validationAccuracy()))
                  .build());
    }

    @Override
    public void onCheckpoint(Path file, int epoch) {
      uploader.submit(file, epoch);
      if (stopAfterEpoch && epoch < epochs) {
        uploader.awaitStored(ctx.config().shutdownTimeout());
        LOG.info(
            "request {}: stopping after the checkpoint of epoch {}", identity.requestId(), epoch);
        Thread.currentThread().interrupt();
      }
    }
  }
}
