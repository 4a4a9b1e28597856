package dev.flywheel.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.EngineException;
import dev.flywheel.slm.TrainingException;
import org.junit.jupiter.api.Test;

class FailureKindsTest {

  @Test
  void shouldTakeAJvmOutOfMemoryErrorByItsTypeAnywhereInTheCauseChain() {
    assertThat(FailureKinds.isOutOfMemory(new OutOfMemoryError("Java heap space"))).isTrue();
    assertThat(
            FailureKinds.isOutOfMemory(
                new IllegalStateException("wrapped", new OutOfMemoryError())))
        .isTrue();
  }

  @Test
  void shouldTakeThePyTorchAllocatorMessagesOfAnEngineExceptionAsOutOfMemory() {
    EngineException cpu =
        new EngineException(
            "[enforce fail at alloc_cpu.cpp:119] err == 0. DefaultCPUAllocator: can't allocate"
                + " memory: you tried to allocate 163849011200 bytes.");
    EngineException gpu =
        new EngineException(
            "CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 15.78 GiB total capacity)");
    assertThat(FailureKinds.isOutOfMemory(cpu)).isTrue();
    assertThat(FailureKinds.isOutOfMemory(gpu)).isTrue();
    assertThat(
            FailureKinds.isOutOfMemory(
                new TrainingException(
                    TrainingException.Reason.ENGINE_FAILURE, "engine failed", cpu)))
        .isTrue();
  }

  @Test
  void shouldNotTakeOtherEngineOrServiceErrorsAsOutOfMemory() {
    assertThat(FailureKinds.isOutOfMemory(new EngineException("shape mismatch [2, 3] vs [3, 2]")))
        .isFalse();
    assertThat(FailureKinds.isOutOfMemory(new IllegalStateException("artifact store down")))
        .isFalse();
    assertThat(FailureKinds.isOutOfMemory(new RuntimeException((String) null))).isFalse();
  }
}
