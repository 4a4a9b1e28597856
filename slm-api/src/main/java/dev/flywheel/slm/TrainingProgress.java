package dev.flywheel.slm;

import java.time.Duration;

/**
 * A progress report during an epoch.
 *
 * @param epoch 1-based epoch
 * @param epochs the most epochs this run will do
 * @param step 1-based step within the epoch
 * @param steps steps per epoch
 * @param loss mean training loss of the epoch so far
 * @param examplesPerSecond training throughput of the epoch so far
 * @param eta estimated time until the last epoch ends (early stopping may end sooner)
 * @param device the device that trains, e.g. {@code cpu()} or {@code gpu(0)}
 */
public record TrainingProgress(
    int epoch,
    int epochs,
    int step,
    int steps,
    double loss,
    double examplesPerSecond,
    Duration eta,
    String device) {}
