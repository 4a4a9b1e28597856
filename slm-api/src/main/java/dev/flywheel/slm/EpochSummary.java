package dev.flywheel.slm;

import java.time.Duration;

/**
 * What one epoch achieved.
 *
 * @param epoch 1-based epoch
 * @param trainLoss mean weighted cross-entropy over the epoch's training steps
 * @param validationAccuracy accuracy on the validation split, NaN when there is none
 * @param validationLoss mean cross-entropy on the validation split, NaN when there is none
 * @param improved whether this epoch is the best so far (the one a bundle would keep)
 * @param duration wall time of the epoch, validation included
 */
public record EpochSummary(
    int epoch,
    double trainLoss,
    double validationAccuracy,
    double validationLoss,
    boolean improved,
    Duration duration) {}
