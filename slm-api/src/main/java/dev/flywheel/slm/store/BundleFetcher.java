package dev.flywheel.slm.store;

import dev.flywheel.slm.BundleException;
import dev.flywheel.slm.DevicePreference;
import dev.flywheel.slm.ModelBundle;
import dev.flywheel.slm.RecipeContext;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads model bundles by their artifact URI, for every service that loads models: through the
 * configured artifact store, or, without one, a {@code file:} URI straight from its file (so a
 * single-machine installation needs no store setting). Thread-safe.
 */
public final class BundleFetcher {
  private final Optional<ArtifactStore> store;
  private FileArtifactStore derived;

  /**
   * A fetcher reading through the store at {@code storeUri} ({@link ArtifactStores#forUri}), or
   * from {@code file:} URIs when empty.
   */
  public BundleFetcher(Optional<String> storeUri) {
    this.store = storeUri.map(ArtifactStores::forUri);
  }

  private BundleFetcher(ArtifactStore store) {
    this.store = Optional.ofNullable(store);
  }

  /** A fetcher reading through {@code store}, or from {@code file:} URIs when empty. */
  public static BundleFetcher over(Optional<ArtifactStore> store) {
    return new BundleFetcher(store.orElse(null));
  }

  /** The bytes at {@code artifactUri}. */
  public byte[] read(String artifactUri) {
    URI uri = URI.create(artifactUri);
    return storeFor(uri).read(uri);
  }

  /** A stream of the bytes at {@code artifactUri}; the caller closes it. */
  public InputStream open(String artifactUri) {
    URI uri = URI.create(artifactUri);
    return storeFor(uri).open(uri);
  }

  /**
   * Reads and verifies the bundle at {@code artifactUri} against {@code sha256}. Without a store, a
   * file that cannot be read is a {@link BundleException.Reason#IO} like any unreadable bundle.
   *
   * @throws ArtifactStoreException when the configured store cannot deliver it
   * @throws IllegalArgumentException when no store is configured and the URI is not a file
   * @throws BundleException when the bytes are not the bundle {@code sha256} names
   */
  public ModelBundle bundle(String artifactUri, String sha256) throws BundleException {
    URI uri = URI.create(artifactUri);
    if (store.isEmpty() && isFile(uri)) {
      return ModelBundle.read(Path.of(uri), sha256);
    }
    return ModelBundle.fromBytes(storeFor(uri).read(uri), sha256);
  }

  /**
   * What a recipe may use to load the bundle at {@code artifactUri}: the configured store, else the
   * file store its blob lives in (where base-model weights are kept too); empty without either.
   */
  public RecipeContext recipeContext(String artifactUri, DevicePreference device) {
    return new RecipeContext(store.or(() -> derivedStore(URI.create(artifactUri))), device);
  }

  /**
   * The configured store, else the file store of {@code artifactUri}'s blob, else the one last
   * derived from a loaded bundle: where base models are read from.
   */
  public synchronized Optional<ArtifactStore> storeOf(Optional<String> artifactUri) {
    Objects.requireNonNull(artifactUri, "artifactUri");
    return store
        .or(() -> artifactUri.flatMap(u -> derivedStore(URI.create(u))))
        .or(() -> Optional.ofNullable(derived));
  }

  private synchronized Optional<ArtifactStore> derivedStore(URI uri) {
    Optional<Path> root = FileArtifactStore.rootOfBlob(uri);
    if (root.isEmpty()) {
      return Optional.empty();
    }
    if (derived == null || !derived.root().equals(root.get())) {
      derived = new FileArtifactStore(root.get());
    }
    return Optional.of(derived);
  }

  private ArtifactStore storeFor(URI uri) {
    if (store.isPresent()) {
      return store.get();
    }
    if (!isFile(uri)) {
      throw new IllegalArgumentException(
          "no artifact store configured for " + uri + " (set artifacts.uri)");
    }
    return ArtifactStores.forUri(Path.of(uri).getParent().toUri());
  }

  private static boolean isFile(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    return scheme.equals("file");
  }
}
