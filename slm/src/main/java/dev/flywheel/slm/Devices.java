package dev.flywheel.slm;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Chooses the DJL device; never asks for a GPU the engine cannot see. */
public final class Devices {
  private Devices() {}

  /**
   * The device for a preference, given how many GPUs the engine reports. Pure, so it is tested
   * without a GPU.
   *
   * @throws IllegalStateException when {@code GPU} is demanded and {@code gpuCount} is 0
   */
  public static Device select(DevicePreference preference, int gpuCount) {
    return switch (preference) {
      case CPU -> Device.cpu();
      case AUTO -> gpuCount > 0 ? Device.gpu(0) : Device.cpu();
      case GPU -> {
        if (gpuCount <= 0) {
          throw new IllegalStateException(
              "a GPU was demanded but the PyTorch engine sees none (is PYTORCH_LIBRARY_PATH set to"
                  + " a CUDA build and PYTORCH_FLAVOR=cu128?)");
        }
        yield Device.gpu(0);
      }
    };
  }

  /** The device for a preference on this machine, asking the engine for its GPU count. */
  public static Device select(DevicePreference preference) {
    return select(preference, Engine.getInstance().getGpuCount());
  }
}
