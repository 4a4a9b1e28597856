package dev.flywheel.slm;

/** Where to train or predict: {@code AUTO} picks a GPU when the engine sees one, else the CPU. */
public enum DevicePreference {
  AUTO,
  CPU,
  GPU
}
