package dev.flywheel.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.EngineException;
import dev.flywheel.events.FailureReason;
import dev.flywheel.slm.TrainingException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FailureKindsTest {

  @Test
  void shouldPublishEachTrainingFailureWithItsReason() {
    Map<TrainingException.Reason, FailureReason> expected =
        Map.of(
            TrainingException.Reason.NO_EXAMPLES, FailureReason.TOO_FEW_EXAMPLES,
            TrainingException.Reason.LABEL_WITHOUT_EXAMPLES, FailureReason.MISSING_LABEL,
            TrainingException.Reason.UNKNOWN_LABEL, FailureReason.INVALID_SPEC,
            TrainingException.Reason.INVALID_HYPERPARAMETERS, FailureReason.INVALID_SPEC,
            TrainingException.Reason.NON_FINITE_LOSS, FailureReason.NAN_LOSS,
            TrainingException.Reason.CHECKPOINT_INCOMPATIBLE, FailureReason.INTERNAL,
            TrainingException.Reason.ENGINE_FAILURE, FailureReason.INTERNAL);
    expected.forEach(
        (reason, published) ->
            assertThat(FailureKinds.reasonOf(new TrainingException(reason, "x")))
                .as("%s", reason)
                .isEqualTo(published));
    assertThat(
            FailureKinds.reasonOf(
                new TrainingException(
                    TrainingException.Reason.ENGINE_FAILURE,
                    "engine failed",
                    new EngineException("CUDA out of memory. Tried to allocate 20.00 MiB"))))
        .isEqualTo(FailureReason.OUT_OF_MEMORY);
    assertThat(FailureKinds.isRetryable(FailureReason.NAN_LOSS)).isFalse();
  }

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
