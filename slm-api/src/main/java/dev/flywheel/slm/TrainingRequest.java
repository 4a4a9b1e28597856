package dev.flywheel.slm;

import dev.flywheel.slm.store.ArtifactStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Everything one training run needs: examples, hyperparameters, identity of the model to produce,
 * lineage, and the optional parent, checkpoint and listener. Build with {@link #builder()}: {@code
 * setXxx} for required values, {@code optXxx} for optional ones.
 */
public final class TrainingRequest {
  private final List<Example> examples;
  private final Hyperparameters hyperparameters;
  private final List<String> labels;
  private final String modelName;
  private final String version;
  private final String requestId;
  private final Map<String, String> datasetSnapshot;
  private final ModelBundle parent;
  private final boolean warmStart;
  private final double minParentCoverage;
  private final TrainingListener listener;
  private final Duration progressInterval;
  private final Path checkpointFile;
  private final Path resumeFrom;
  private final DevicePreference device;
  private final Map<String, String> settings;
  private final ArtifactStore store;

  private TrainingRequest(Builder b) {
    this.examples = List.copyOf(Objects.requireNonNull(b.examples, "examples must be set"));
    this.labels =
        b.labels != null
            ? List.copyOf(b.labels)
            : List.copyOf(new TreeSet<>(examples.stream().map(Example::label).toList()));
    this.modelName = Objects.requireNonNull(b.modelName, "modelName must be set");
    this.version = Objects.requireNonNull(b.version, "version must be set");
    this.requestId = b.requestId;
    this.datasetSnapshot = Map.copyOf(b.datasetSnapshot);
    this.parent = b.parent;
    this.warmStart = b.warmStart;
    this.minParentCoverage = b.minParentCoverage;
    this.listener = b.listener;
    this.progressInterval = b.progressInterval;
    this.checkpointFile = b.checkpointFile;
    this.resumeFrom = b.resumeFrom;
    this.device = b.device;
    this.store = b.store;
    if (b.settings != null) {
      this.settings = Map.copyOf(b.settings);
      this.hyperparameters =
          isClassic(b.settings.get("architecture"))
              ? Hyperparameters.fromMap(b.settings)
              : Objects.requireNonNull(b.hyperparameters, "hyperparameters");
    } else {
      this.hyperparameters = Objects.requireNonNull(b.hyperparameters, "hyperparameters");
      this.settings = Map.copyOf(hyperparameters.toMap());
    }
  }

  private static boolean isClassic(String architecture) {
    try {
      Architecture.fromKey(architecture);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public List<Example> examples() {
    return examples;
  }

  public Hyperparameters hyperparameters() {
    return hyperparameters;
  }

  /** Output labels in model order; by default the sorted distinct labels of the examples. */
  public List<String> labels() {
    return labels;
  }

  public String modelName() {
    return modelName;
  }

  public String version() {
    return version;
  }

  public Optional<String> requestId() {
    return Optional.ofNullable(requestId);
  }

  public Map<String, String> datasetSnapshot() {
    return datasetSnapshot;
  }

  public Optional<ModelBundle> parent() {
    return Optional.ofNullable(parent);
  }

  public boolean warmStart() {
    return warmStart;
  }

  public double minParentCoverage() {
    return minParentCoverage;
  }

  public TrainingListener listener() {
    return listener;
  }

  public Duration progressInterval() {
    return progressInterval;
  }

  public Optional<Path> checkpointFile() {
    return Optional.ofNullable(checkpointFile);
  }

  public Optional<Path> resumeFrom() {
    return Optional.ofNullable(resumeFrom);
  }

  public DevicePreference device() {
    return device;
  }

  /**
   * The recipe's complete settings (with the {@code architecture} key); for the built-in recipe the
   * map of {@link #hyperparameters()}.
   */
  public Map<String, String> settings() {
    return settings;
  }

  /** The artifact store for shared pieces (base-model weights), when the caller has one. */
  public Optional<ArtifactStore> store() {
    return Optional.ofNullable(store);
  }

  /** Builder of {@link TrainingRequest}. */
  public static final class Builder {
    private List<Example> examples;
    private Hyperparameters hyperparameters = Hyperparameters.defaults();
    private List<String> labels;
    private String modelName;
    private String version;
    private String requestId;
    private final Map<String, String> datasetSnapshot = new LinkedHashMap<>();
    private ModelBundle parent;
    private boolean warmStart = true;
    private double minParentCoverage = 0.9;
    private TrainingListener listener = new TrainingListener() {};
    private Duration progressInterval = Duration.ofSeconds(1);
    private Path checkpointFile;
    private Path resumeFrom;
    private DevicePreference device = DevicePreference.AUTO;
    private Map<String, String> settings;
    private ArtifactStore store;

    private Builder() {}

    /** The labeled examples; a validation share is split off them by hashed id. */
    public Builder setExamples(List<Example> examples) {
      this.examples = new ArrayList<>(examples);
      return this;
    }

    /** Name of the model (the key of its spec), recorded in the bundle. */
    public Builder setModelName(String modelName) {
      this.modelName = modelName;
      return this;
    }

    /** Version the bundle will carry; the caller (the trainer service) allocates it. */
    public Builder setVersion(String version) {
      this.version = version;
      return this;
    }

    /** Defaults to {@link Hyperparameters#defaults()}. */
    public Builder optHyperparameters(Hyperparameters hyperparameters) {
      this.hyperparameters = hyperparameters;
      return this;
    }

    /** Output labels in model order; every label needs an example, every example a label here. */
    public Builder optLabels(List<String> labels) {
      this.labels = new ArrayList<>(labels);
      return this;
    }

    /** Correlation id recorded in the bundle's lineage. */
    public Builder optRequestId(String requestId) {
      this.requestId = requestId;
      return this;
    }

    /** Opaque description of the data (e.g. topic-partition end offsets), kept in the lineage. */
    public Builder optDatasetSnapshot(Map<String, String> snapshot) {
      this.datasetSnapshot.clear();
      this.datasetSnapshot.putAll(snapshot);
      return this;
    }

    /**
     * The model this run succeeds: recorded as the lineage parent, and used as the starting point
     * when {@link #optWarmStart(boolean)} allows and its labels, shapes and vocabulary fit.
     */
    public Builder optParent(ModelBundle parent) {
      this.parent = parent;
      return this;
    }

    /** Whether to start from the parent's parameters when they fit (default true). */
    public Builder optWarmStart(boolean warmStart) {
      this.warmStart = warmStart;
      return this;
    }

    /**
     * Least share of training-token occurrences the parent's vocabulary must know for a warm start
     * (default 0.9); below it a fresh vocabulary serves the new data better.
     */
    public Builder optMinParentCoverage(double minParentCoverage) {
      this.minParentCoverage = minParentCoverage;
      return this;
    }

    public Builder optListener(TrainingListener listener) {
      this.listener = Objects.requireNonNull(listener);
      return this;
    }

    /** Least time between two progress reports within an epoch (default 1 s). */
    public Builder optProgressInterval(Duration interval) {
      this.progressInterval = Objects.requireNonNull(interval);
      return this;
    }

    /** File the run rewrites (atomically) after each epoch, so it can resume from there. */
    public Builder optCheckpointFile(Path file) {
      this.checkpointFile = file;
      return this;
    }

    /** A checkpoint file of an earlier, interrupted run of the same request to continue. */
    public Builder optResumeFrom(Path file) {
      this.resumeFrom = file;
      return this;
    }

    /** Default {@link DevicePreference#AUTO}. */
    public Builder optDevice(DevicePreference device) {
      this.device = Objects.requireNonNull(device);
      return this;
    }

    /**
     * A recipe's complete settings, as {@link ModelRecipe#settings} returns them; for a built-in
     * architecture they also become the {@link #optHyperparameters hyperparameters}.
     */
    public Builder optSettings(Map<String, String> settings) {
      this.settings = new LinkedHashMap<>(settings);
      return this;
    }

    /** The artifact store a recipe reads shared pieces from (base-model weights). */
    public Builder optStore(ArtifactStore store) {
      this.store = store;
      return this;
    }

    public TrainingRequest build() {
      return new TrainingRequest(this);
    }
  }
}
