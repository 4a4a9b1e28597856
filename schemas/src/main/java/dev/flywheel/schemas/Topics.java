package dev.flywheel.schemas;

import dev.flywheel.events.EvaluationCompleted;
import dev.flywheel.events.FeedbackReceived;
import dev.flywheel.events.LabeledExample;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.PredictionLogged;
import dev.flywheel.events.QualityReport;
import dev.flywheel.events.ReleaseRequested;
import dev.flywheel.events.RetrainRequested;
import dev.flywheel.events.TrainingFailed;
import dev.flywheel.events.TrainingProgress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The catalogue of Flywheel's topics: every topic's name, layout, retention and serdes, declared
 * once. Names are {@code <prefix>-<topic>} (e.g. {@code flywheel-feedback}) so that several
 * installations can share one cluster. Keys are UTF-8 strings; values are Avro records in the
 * Confluent wire format, except the dead-letter topic, which keeps the original bytes.
 *
 * <p>A prefix may end with a dash ({@code t3f9a1c2e-}, as test fixtures hand them out): it is
 * dropped, so names never hold two dashes in a row.
 */
public final class Topics {
  /** The prefix of a default installation. */
  public static final String DEFAULT_PREFIX = "flywheel";

  public static final String MODEL_SPECS = "model-specs";
  public static final String PREDICTIONS = "predictions";
  public static final String FEEDBACK = "feedback";
  public static final String EXAMPLES = "examples";
  public static final String RETRAIN_REQUESTS = "retrain-requests";
  public static final String TRAINING_PROGRESS = "training-progress";
  public static final String CANDIDATES = "candidates";
  public static final String TRAINING_FAILURES = "training-failures";
  public static final String EVALUATIONS = "evaluations";
  public static final String RELEASES = "releases";
  public static final String RELEASE_REQUESTS = "release-requests";
  public static final String QUALITY = "quality";
  public static final String DEAD_LETTERS = "dead-letters";

  /** The unprefixed names of every topic, in catalogue order. */
  public static final List<String> BASE_NAMES =
      List.of(
          MODEL_SPECS,
          PREDICTIONS,
          FEEDBACK,
          EXAMPLES,
          RETRAIN_REQUESTS,
          TRAINING_PROGRESS,
          CANDIDATES,
          TRAINING_FAILURES,
          EVALUATIONS,
          RELEASES,
          RELEASE_REQUESTS,
          QUALITY,
          DEAD_LETTERS);

  private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]+");
  private static final int DEFAULT_PARTITIONS = 3;

  private final String prefix;
  private final Topic<String, ModelSpec> modelSpecs;
  private final Topic<String, PredictionLogged> predictions;
  private final Topic<String, FeedbackReceived> feedback;
  private final Topic<String, LabeledExample> examples;
  private final Topic<String, RetrainRequested> retrainRequests;
  private final Topic<String, TrainingProgress> trainingProgress;
  private final Topic<String, ModelCandidate> candidates;
  private final Topic<String, TrainingFailed> trainingFailures;
  private final Topic<String, EvaluationCompleted> evaluations;
  private final Topic<String, ModelReleased> releases;
  private final Topic<String, ReleaseRequested> releaseRequests;
  private final Topic<String, QualityReport> quality;
  private final Topic<byte[], byte[]> deadLetters;
  private final List<Topic<?, ?>> all;

  private Topics(
      String prefix, SchemaRegistryClient registry, Map<String, Integer> partitionOverrides) {
    this.prefix = checkName(stripDash(prefix));
    Objects.requireNonNull(registry, "registry");
    checkKnown(partitionOverrides);
    Layout layout = new Layout(prefix, registry, partitionOverrides);
    this.modelSpecs =
        layout.avro(MODEL_SPECS, 1, CleanupPolicy.COMPACT, Optional.empty(), ModelSpec.class);
    this.predictions = layout.log(PREDICTIONS, PredictionLogged.class);
    this.feedback = layout.log(FEEDBACK, FeedbackReceived.class);
    this.examples =
        layout.avro(
            EXAMPLES,
            DEFAULT_PARTITIONS,
            CleanupPolicy.COMPACT,
            Optional.empty(),
            LabeledExample.class);
    this.retrainRequests = layout.log(RETRAIN_REQUESTS, RetrainRequested.class);
    this.trainingProgress =
        layout.avro(
            TRAINING_PROGRESS,
            DEFAULT_PARTITIONS,
            CleanupPolicy.DELETE,
            Optional.of(Duration.ofDays(1)),
            TrainingProgress.class);
    this.candidates = layout.log(CANDIDATES, ModelCandidate.class);
    this.trainingFailures = layout.log(TRAINING_FAILURES, TrainingFailed.class);
    this.evaluations = layout.log(EVALUATIONS, EvaluationCompleted.class);
    // One partition: the release stream has one order that every reader sees alike.
    this.releases =
        layout.avro(
            RELEASES, 1, CleanupPolicy.DELETE, Optional.of(Topic.FOREVER), ModelReleased.class);
    this.releaseRequests =
        layout.avro(
            RELEASE_REQUESTS, 1, CleanupPolicy.DELETE, Optional.empty(), ReleaseRequested.class);
    this.quality = layout.log(QUALITY, QualityReport.class);
    this.deadLetters =
        new Topic<>(
            name(prefix, DEAD_LETTERS),
            layout.partitions(DEAD_LETTERS, 1),
            CleanupPolicy.DELETE,
            Optional.of(Duration.ofDays(14)),
            Map.of(),
            Serdes.ByteArray(),
            Serdes.ByteArray(),
            byte[].class);
    checkCoPartitioned(predictions, feedback);
    this.all =
        List.of(
            modelSpecs,
            predictions,
            feedback,
            examples,
            retrainRequests,
            trainingProgress,
            candidates,
            trainingFailures,
            evaluations,
            releases,
            releaseRequests,
            quality,
            deadLetters);
  }

  /** Partition overrides may only name topics of the catalogue. */
  private static void checkKnown(Map<String, Integer> partitionOverrides) {
    Set<String> unknown = new HashSet<>(partitionOverrides.keySet());
    unknown.removeAll(BASE_NAMES);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "partition overrides name unknown topics " + unknown + "; known: " + BASE_NAMES);
    }
  }

  /** The feedback service joins the two by prediction id: they must be co-partitioned. */
  private static void checkCoPartitioned(Topic<?, ?> predictions, Topic<?, ?> feedback) {
    if (predictions.partitions() != feedback.partitions()) {
      throw new IllegalArgumentException(
          "predictions and feedback must have the same partition count, not "
              + predictions.partitions()
              + " and "
              + feedback.partitions());
    }
  }

  /** The catalogue of an installation named {@code prefix}. */
  public static Topics create(String prefix, SchemaRegistryClient registry) {
    return new Topics(prefix, registry, Map.of());
  }

  /**
   * The catalogue with other partition counts for some topics, keyed by unprefixed name (e.g.
   * {@code "feedback"}); predictions and feedback must stay co-partitioned.
   */
  public static Topics create(
      String prefix, SchemaRegistryClient registry, Map<String, Integer> partitionOverrides) {
    return new Topics(prefix, registry, Map.copyOf(partitionOverrides));
  }

  /** The catalogue of the default installation ({@code flywheel-...}). */
  public static Topics create(SchemaRegistryClient registry) {
    return create(DEFAULT_PREFIX, registry);
  }

  /** {@code <prefix>-<baseName>}; a prefix that already ends with a dash keeps just that one. */
  public static String name(String prefix, String baseName) {
    return checkName(stripDash(prefix)) + "-" + baseName;
  }

  private static String stripDash(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    String stripped = prefix;
    while (stripped.endsWith("-")) {
      stripped = stripped.substring(0, stripped.length() - 1);
    }
    return stripped;
  }

  public String prefix() {
    return prefix;
  }

  /** Model specs by model name; compacted: the latest spec per model wins. */
  public Topic<String, ModelSpec> modelSpecs() {
    return modelSpecs;
  }

  /** Predictions by prediction id; co-partitioned with feedback. */
  public Topic<String, PredictionLogged> predictions() {
    return predictions;
  }

  /** Feedback by prediction id (or example id for contributed examples). */
  public Topic<String, FeedbackReceived> feedback() {
    return feedback;
  }

  /** Labeled examples by example id; compacted: the latest label per example wins. */
  public Topic<String, LabeledExample> examples() {
    return examples;
  }

  /** Retrain requests by model name. */
  public Topic<String, RetrainRequested> retrainRequests() {
    return retrainRequests;
  }

  /** Training progress by request id; kept one day. */
  public Topic<String, TrainingProgress> trainingProgress() {
    return trainingProgress;
  }

  /** Trained candidates by model name. */
  public Topic<String, ModelCandidate> candidates() {
    return candidates;
  }

  /** Failed training runs by model name. */
  public Topic<String, TrainingFailed> trainingFailures() {
    return trainingFailures;
  }

  /** Gate decisions by model name. */
  public Topic<String, EvaluationCompleted> evaluations() {
    return evaluations;
  }

  /** Releases by model name; one partition, kept forever. */
  public Topic<String, ModelReleased> releases() {
    return releases;
  }

  /** Admins' promote / rollback requests by model name; one partition. */
  public Topic<String, ReleaseRequested> releaseRequests() {
    return releaseRequests;
  }

  /** Live quality by {@code model:version} (see {@link Events#qualityKey}). */
  public Topic<String, QualityReport> quality() {
    return quality;
  }

  /** Poison records of every service: original key and value bytes plus error headers. */
  public Topic<byte[], byte[]> deadLetters() {
    return deadLetters;
  }

  /** Every topic, in catalogue order. */
  public List<Topic<?, ?>> all() {
    return all;
  }

  /** The topic with this full name, if it belongs to the catalogue. */
  public Optional<Topic<?, ?>> byName(String fullName) {
    return all.stream().filter(t -> t.name().equals(fullName)).findFirst();
  }

  static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (!LEGAL.matcher(name).matches() || name.length() > 200) {
      throw new IllegalArgumentException(
          "'" + name + "' is not a legal topic name or prefix (letters, digits, '.', '_', '-')");
    }
    return name;
  }

  /** Builds the catalogue's entries from one prefix, registry and set of overrides. */
  private record Layout(
      String prefix, SchemaRegistryClient registry, Map<String, Integer> overrides) {
    int partitions(String baseName, int defaultCount) {
      return overrides.getOrDefault(baseName, defaultCount);
    }

    <V extends SpecificRecord> Topic<String, V> log(String baseName, Class<V> valueClass) {
      return avro(baseName, DEFAULT_PARTITIONS, CleanupPolicy.DELETE, Optional.empty(), valueClass);
    }

    <V extends SpecificRecord> Topic<String, V> avro(
        String baseName,
        int defaultPartitions,
        CleanupPolicy cleanup,
        Optional<Duration> retention,
        Class<V> valueClass) {
      Serde<V> valueSerde = new AvroSerde<>(registry, valueClass, false);
      return new Topic<>(
          name(prefix, baseName),
          partitions(baseName, defaultPartitions),
          cleanup,
          retention,
          Map.of(),
          Serdes.String(),
          valueSerde,
          valueClass);
    }
  }
}
