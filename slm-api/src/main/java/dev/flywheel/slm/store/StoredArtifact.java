package dev.flywheel.slm.store;

import java.net.URI;

/**
 * A bundle kept by an {@link ArtifactStore}.
 *
 * @param modelName the model it belongs to
 * @param version the model version
 * @param uri where to read it ({@code file:...} for {@link FileArtifactStore})
 * @param sha256 lower-case hex sha256 of its bytes (its identity)
 * @param sizeBytes its length
 * @param storedAt ISO-8601 UTC instant of the first {@code put}
 */
public record StoredArtifact(
    String modelName, String version, URI uri, String sha256, long sizeBytes, String storedAt) {}
