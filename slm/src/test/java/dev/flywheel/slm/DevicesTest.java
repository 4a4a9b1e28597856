package dev.flywheel.slm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

class DevicesTest {

  @Test
  void shouldPickTheGpuWhenTheEngineSeesOne() {
    assertThat(Devices.select(DevicePreference.AUTO, 1)).isEqualTo(Device.gpu(0));
    assertThat(Devices.select(DevicePreference.AUTO, 4)).isEqualTo(Device.gpu(0));
  }

  @Test
  void shouldFallBackToTheCpuWithoutGpus() {
    assertThat(Devices.select(DevicePreference.AUTO, 0)).isEqualTo(Device.cpu());
    assertThat(Devices.select(DevicePreference.CPU, 2)).isEqualTo(Device.cpu());
  }

  @Test
  void shouldRefuseADemandedGpuThatIsNotThere() {
    assertThatThrownBy(() -> Devices.select(DevicePreference.GPU, 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("PYTORCH_FLAVOR");
    assertThat(Devices.select(DevicePreference.GPU, 1)).isEqualTo(Device.gpu(0));
  }
}
