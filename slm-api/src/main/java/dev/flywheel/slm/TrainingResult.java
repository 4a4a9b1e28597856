package dev.flywheel.slm;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The outcome of a training run. The bundle holds the parameters of the best epoch (by validation
 * accuracy; the last epoch when there is no validation split).
 *
 * @param bundle the trained model, ready to store or load
 * @param epochsRun epochs completed, resumed ones included
 * @param bestEpoch 1-based epoch whose parameters the bundle holds
 * @param trainLoss mean training loss per epoch
 * @param validationAccuracy validation accuracy per epoch (empty without a validation split)
 * @param bestValidationAccuracy validation accuracy of the best epoch, NaN without validation
 * @param trainExamples examples in the training split
 * @param validationExamples examples in the validation split
 * @param examplesPerSecond mean training throughput (validation excluded)
 * @param device the device that trained, e.g. {@code cpu()}
 * @param duration wall time of this call
 * @param stoppedEarly true when patience ended the run before the epoch limit
 * @param warmStart whether the parent's parameters were the starting point, and why
 * @param resumedFromEpoch the checkpoint epoch this call continued from, 0 for a fresh run
 */
public record TrainingResult(
    ModelBundle bundle,
    int epochsRun,
    int bestEpoch,
    List<Double> trainLoss,
    List<Double> validationAccuracy,
    double bestValidationAccuracy,
    int trainExamples,
    int validationExamples,
    double examplesPerSecond,
    String device,
    Duration duration,
    boolean stoppedEarly,
    WarmStart warmStart,
    int resumedFromEpoch) {

  /** The figures the bundle manifest records under {@code trainingMetrics}. */
  public Map<String, Double> metrics() {
    return bundle.manifest().trainingMetrics();
  }
}
