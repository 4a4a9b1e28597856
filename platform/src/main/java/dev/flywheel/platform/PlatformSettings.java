package dev.flywheel.platform;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;

/**
 * Where the one-JVM platform keeps its data and which ports it listens on. Keys for the API are
 * generated on first start and kept in the data directory ({@code api-keys.properties}, readable by
 * the owner only), so a restarted platform accepts the same keys.
 *
 * @param dataDir the data directory kept between runs
 * @param kafkaPort broker port (0: any free one)
 * @param registryPort schema registry port (0: any free one)
 * @param apiPort gateway port (0: any free one)
 * @param managementBasePort first of the services' management ports (0: free ones)
 * @param prefix topic name prefix
 * @param host interface the gateway and management servers bind to
 */
record PlatformSettings(
    Path dataDir,
    int kafkaPort,
    int registryPort,
    int apiPort,
    int managementBasePort,
    String prefix,
    String host) {

  /** The demo: everything on free ports on the loopback interface. */
  static PlatformSettings forDemo(Path dataDir) {
    return new PlatformSettings(dataDir, 0, 0, 0, 0, "flywheel", "127.0.0.1");
  }

  /** The management port of the n-th service (0-based), or 0 for a free one. */
  int managementPort(int n) {
    return managementBasePort == 0 ? 0 : managementBasePort + n;
  }

  /** The admin and app keys of this data directory, generated on first use. */
  ApiKeys apiKeys() throws IOException {
    Path file = dataDir.resolve("api-keys.properties");
    Properties keys = new Properties();
    if (Files.exists(file)) {
      try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        keys.load(reader);
      }
    }
    boolean created = false;
    if (keys.getProperty("admin") == null || keys.getProperty("app") == null) {
      keys.setProperty("admin", newKey());
      keys.setProperty("app", newKey());
      created = true;
      DataDirectory.ensurePrivate(dataDir);
      Files.deleteIfExists(file);
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        keys.store(writer, "Flywheel API keys of this data directory (admin and app roles)");
      }
    }
    return new ApiKeys(keys.getProperty("admin"), keys.getProperty("app"), file, created);
  }

  /**
   * An admin key and an app key, the file that keeps them, and whether they were made just now
   * (then, and only then, they are shown to the operator).
   */
  record ApiKeys(String admin, String app, Path file, boolean created) {
    /** The gateway's setting: app-id:role:sha256-of-key, only hashes. */
    String gatewaySetting() {
      return "admin:admin:" + sha256(admin) + ",demo-app:app:" + sha256(app);
    }

    @Override
    public String toString() {
      return "ApiKeys[hidden]";
    }
  }

  private static String newKey() {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    return "fw_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static String sha256(String key) {
    return sha256(key.getBytes(StandardCharsets.UTF_8));
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** The FLYWHEEL_* settings every service of the platform shares. */
  Map<String, String> sharedEnvironment(String bootstrapServers, String registryUrl) {
    return Map.of(
        "FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS",
        bootstrapServers,
        "FLYWHEEL_SCHEMA_REGISTRY_URL",
        registryUrl,
        "FLYWHEEL_TOPICS_PREFIX",
        prefix,
        "FLYWHEEL_TOPICS_REPLICATION_FACTOR",
        "1",
        "FLYWHEEL_ARTIFACTS_URI",
        dataDir.resolve("artifacts").toAbsolutePath().toUri().toString(),
        "FLYWHEEL_STREAMS_STATE_DIR",
        dataDir.resolve("streams").toAbsolutePath().toString());
  }
}
