package dev.flywheel.slm.store;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.ServiceLoader;

/** Finds the {@link ArtifactStore} for a root URI by its scheme. */
public final class ArtifactStores {
  private ArtifactStores() {}

  /**
   * A store for a root URI: {@code file:/var/lib/flywheel/artifacts} (built in), or any scheme a
   * {@link ArtifactStoreProvider} on the classpath serves. A plain path (no scheme) means {@code
   * file:}.
   *
   * @throws ArtifactStoreException when no provider serves the scheme
   */
  public static ArtifactStore forUri(URI root) {
    String scheme = root.getScheme() == null ? "file" : root.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("file")) {
      return new FileArtifactStore(
          root.getScheme() == null ? Path.of(root.getPath()) : Path.of(root));
    }
    for (ArtifactStoreProvider provider : ServiceLoader.load(ArtifactStoreProvider.class)) {
      if (provider.scheme().equalsIgnoreCase(scheme)) {
        return provider.create(root);
      }
    }
    throw new ArtifactStoreException(
        "no artifact store serves scheme '" + scheme + "' (" + root + ")");
  }

  /**
   * The reader of user-supplied files at a URI: {@code file:} (or a plain path) is built in, any
   * other scheme must be served by a provider on the classpath that offers {@link
   * ArtifactStoreProvider#suppliedFiles()}.
   *
   * @throws ArtifactStoreException when no provider reads files under the scheme
   */
  public static SuppliedFiles suppliedFiles(URI uri) {
    String scheme = uri.getScheme() == null ? "file" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("file")) {
      return LocalFiles.INSTANCE;
    }
    for (ArtifactStoreProvider provider : ServiceLoader.load(ArtifactStoreProvider.class)) {
      if (provider.scheme().equalsIgnoreCase(scheme)) {
        return provider
            .suppliedFiles()
            .orElseThrow(
                () ->
                    new ArtifactStoreException(
                        "the '" + scheme + "' store cannot read supplied files (" + uri + ")"));
      }
    }
    throw new ArtifactStoreException(
        "no artifact store serves scheme '"
            + scheme
            + "' ("
            + uri
            + "); is its jar (e.g. flywheel-artifact-store-s3) on the classpath?");
  }

  /** As {@link #forUri(URI)} for a string such as {@code file:/data/artifacts} or a path. */
  public static ArtifactStore forUri(String root) {
    return forUri(
        root.contains(":") && !root.startsWith("/") ? URI.create(root) : Path.of(root).toUri());
  }
}
