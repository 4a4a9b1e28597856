package dev.flywheel.common.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
  private final ApiKeys keys =
      ApiKeys.parse(
          List.of(ApiKeys.entry("shop", Role.APP, "k1"), ApiKeys.entry("ops", Role.ADMIN, "k2")));

  @Test
  void shouldMapAKnownKeyToItsAppAndRole() {
    assertThat(keys.authenticate("k1")).contains(new Principal("shop", Role.APP));
    assertThat(keys.authenticate("k2")).contains(new Principal("ops", Role.ADMIN));
  }

  @Test
  void shouldRejectUnknownAndEmptyKeys() {
    assertThat(keys.authenticate("k3")).isEmpty();
    assertThat(keys.authenticate("")).isEmpty();
    assertThat(keys.authenticate(null)).isEmpty();
  }

  @Test
  void shouldKeepOnlyHashesInTheConfiguration() {
    assertThat(ApiKeys.entry("shop", Role.APP, "k1"))
        .isEqualTo("shop:app:" + ApiKeys.sha256Hex("k1"))
        .doesNotContain(":k1");
  }

  @Test
  void shouldListEveryMalformedEntryWithoutEchoingHashes() {
    assertThatThrownBy(
            () -> ApiKeys.parse(List.of("shop:app:abc", "ops:root:" + "a".repeat(64), "nonsense")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entry 0")
        .hasMessageContaining("entry 1")
        .hasMessageContaining("entry 2")
        .hasMessageNotContaining("a".repeat(64));
  }

  @Test
  void shouldLetAdminsDoEverythingAndAppsOnlyAppOperations() {
    assertThat(Role.ADMIN.allows(Role.ADMIN)).isTrue();
    assertThat(Role.ADMIN.allows(Role.APP)).isTrue();
    assertThat(Role.APP.allows(Role.APP)).isTrue();
    assertThat(Role.APP.allows(Role.ADMIN)).isFalse();
  }
}
