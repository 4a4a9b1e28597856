package dev.flywheel.embedded;

import java.io.PrintStream;
import java.nio.file.Path;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * Formats a KRaft node's data directory, as {@code kafka-storage.sh format} does: the embedded
 * broker before its first start, and each node of a local multi-broker cluster (all with one
 * cluster id and a static voter set).
 */
public final class KraftStorage {
  private KraftStorage() {}

  /**
   * Writes {@code meta.properties} and the bootstrap metadata into {@code dataDir}, which also
   * holds the metadata log.
   *
   * @param out where the formatter reports what it did
   * @throws Exception when the directory is already formatted or cannot be written
   */
  public static void format(
      Path dataDir, int nodeId, String clusterId, String controllerListener, PrintStream out)
      throws Exception {
    new Formatter()
        .setPrintStream(out)
        .setNodeId(nodeId)
        .setClusterId(clusterId)
        .setWriteBootstrapSnapshot(true)
        .setUnstableFeatureVersionsEnabled(false)
        .setIgnoreFormatted(false)
        .setControllerListenerName(controllerListener)
        .setMetadataLogDirectory(dataDir.toString())
        .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
        .setHasDynamicQuorum(false)
        .addDirectory(dataDir.toString())
        .run();
  }
}
