package dev.flywheel.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlatformSettingsTest {
  @TempDir Path dataDir;

  @Test
  void shouldGenerateApiKeysOnceAndKeepThemForTheNextStart() throws Exception {
    PlatformSettings settings = PlatformSettings.forDemo(dataDir);

    PlatformSettings.ApiKeys first = settings.apiKeys();
    PlatformSettings.ApiKeys second = PlatformSettings.forDemo(dataDir).apiKeys();

    assertThat(first.admin()).startsWith("fw_").isNotEqualTo(first.app());
    assertThat(second.admin()).isEqualTo(first.admin());
    assertThat(second.app()).isEqualTo(first.app());
    assertThat(first.created()).as("made on the first start: shown once").isTrue();
    assertThat(second.created()).as("kept afterwards: not shown again").isFalse();
    Path file = dataDir.resolve("api-keys.properties");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }

  @Test
  void shouldMakeTheDataDirectoryOwnerOnlyAndTightenAnOpenOne() throws Exception {
    Path fresh = dataDir.resolve("fresh");
    DataDirectory.ensurePrivate(fresh);
    Path open = Files.createDirectory(dataDir.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
    DataDirectory.ensurePrivate(open);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)))
        .isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(open)))
        .isEqualTo("rwx------");
  }

  @Test
  void shouldGiveTheGatewayOnlyHashesOfTheKeys() throws Exception {
    PlatformSettings.ApiKeys keys = PlatformSettings.forDemo(dataDir).apiKeys();

    String setting = keys.gatewaySetting();

    assertThat(setting)
        .doesNotContain(keys.admin())
        .doesNotContain(keys.app())
        .isEqualTo(
            "admin:admin:"
                + PlatformSettings.sha256(keys.admin())
                + ",demo-app:app:"
                + PlatformSettings.sha256(keys.app()));
    assertThat(keys.toString()).doesNotContain(keys.admin());
  }

  @Test
  void shouldHashLikeSha256sum() {
    assertThat(PlatformSettings.sha256("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void shouldNumberManagementPortsFromTheBaseOrUseFreeOnes() {
    PlatformSettings fixed =
        new PlatformSettings(dataDir, 9092, 8081, 8080, 9080, "flywheel", "127.0.0.1");

    assertThat(fixed.managementPort(0)).isEqualTo(9080);
    assertThat(fixed.managementPort(4)).isEqualTo(9084);
    assertThat(PlatformSettings.forDemo(dataDir).managementPort(3)).isZero();
  }
}
