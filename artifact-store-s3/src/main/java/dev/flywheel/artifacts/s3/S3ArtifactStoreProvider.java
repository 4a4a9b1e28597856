package dev.flywheel.artifacts.s3;

import dev.flywheel.slm.store.ArtifactStore;
import dev.flywheel.slm.store.ArtifactStoreException;
import dev.flywheel.slm.store.ArtifactStoreProvider;
import dev.flywheel.slm.store.SuppliedFiles;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Serves {@code s3:} roots to {@code ArtifactStores.forUri(...)} through {@link
 * java.util.ServiceLoader}, configured by {@link S3Settings#fromEnvironment()}. Stores created here
 * share one SDK client per distinct settings for the life of the process, since callers of {@code
 * forUri} hold plain {@link ArtifactStore}s that they never close.
 */
public final class S3ArtifactStoreProvider implements ArtifactStoreProvider {
  private static final Map<S3Settings, S3Client> CLIENTS = new ConcurrentHashMap<>();

  /** Instantiated by {@link java.util.ServiceLoader}. */
  public S3ArtifactStoreProvider() {}

  @Override
  public String scheme() {
    return S3Location.SCHEME;
  }

  /**
   * A store at {@code root}.
   *
   * @throws ArtifactStoreException when the root or the settings are invalid
   */
  @Override
  public ArtifactStore create(URI root) {
    return S3ArtifactStore.using(client(root.toString()), root);
  }

  /** Reads files that users put in buckets (a base model's directory) with the same settings. */
  @Override
  public Optional<SuppliedFiles> suppliedFiles() {
    return Optional.of(new S3SuppliedFiles(client("supplied files")));
  }

  private static S3Client client(String forWhat) {
    S3Settings settings;
    try {
      settings = S3Settings.fromEnvironment();
    } catch (IllegalArgumentException e) {
      throw new ArtifactStoreException(e.getMessage() + " (for " + forWhat + ")", e);
    }
    try {
      return CLIENTS.computeIfAbsent(settings, S3Clients::create);
    } catch (SdkException e) {
      // E.g. no region anywhere (FLYWHEEL_S3_REGION, AWS_REGION, a profile) and no endpoint.
      throw new ArtifactStoreException(
          "cannot create an S3 client (for " + forWhat + "): " + e.getMessage(), e);
    }
  }
}
