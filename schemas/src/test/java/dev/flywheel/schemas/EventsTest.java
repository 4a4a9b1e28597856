package dev.flywheel.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.events.ModelRef;
import org.junit.jupiter.api.Test;

class EventsTest {
  @Test
  void shouldRenderAndParseVersions() {
    assertThat(Events.renderVersion(3)).isEqualTo("v3");
    assertThat(Events.parseVersion("v3")).isEqualTo(3);
    assertThat(Events.parseVersion("V12")).isEqualTo(12);
    assertThat(Events.parseVersion("7")).isEqualTo(7);
  }

  @Test
  void shouldRejectWhatIsNoVersion() {
    for (String bad : new String[] {"", "v", "v0", "v-1", "3.0", "vv3", "v99999999999"}) {
      assertThatThrownBy(() -> Events.parseVersion(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> Events.renderVersion(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldRenderModelReferencesAsQualityKeys() {
    ModelRef ref = Events.ref("sentiment", 3);
    assertThat(Events.render(ref)).isEqualTo("sentiment:v3");
    assertThat(Events.qualityKey(ref)).isEqualTo("sentiment:v3");
    assertThat(Events.qualityKey("sentiment", 3)).isEqualTo("sentiment:v3");
    assertThat(Events.parseRef("sentiment:v3")).isEqualTo(ref);
    assertThatThrownBy(() -> Events.parseRef("sentiment"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
