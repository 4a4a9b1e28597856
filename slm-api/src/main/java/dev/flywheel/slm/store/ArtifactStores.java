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

  /** As {@link #forUri(URI)} for a string such as {@code file:/data/artifacts} or a path. */
  public static ArtifactStore forUri(String root) {
    return forUri(
        root.contains(":") && !root.startsWith("/") ? URI.create(root) : Path.of(root).toUri());
  }
}
