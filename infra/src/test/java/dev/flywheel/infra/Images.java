package dev.flywheel.infra;

import java.util.Optional;
import java.util.regex.Pattern;

/** What "pinned" means for an image reference: a digest, or a version tag (never latest). */
final class Images {
  private static final Pattern DIGEST = Pattern.compile(".+@sha256:[0-9a-f]{64}");
  private static final Pattern VERSION_TAG = Pattern.compile(".*[0-9].*");

  private Images() {}

  /** Why {@code image} is not pinned; empty when it is. */
  static Optional<String> problemWith(String image) {
    if (image == null || image.isBlank()) {
      return Optional.of("no image");
    }
    if (DIGEST.matcher(image).matches()) {
      return Optional.empty();
    }
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    if (colon <= slash) {
      return Optional.of(image + " has no tag (it means :latest)");
    }
    String tag = image.substring(colon + 1);
    if (tag.equals("latest") || !VERSION_TAG.matcher(tag).matches() || tag.contains("$")) {
      return Optional.of(image + " is not pinned to a version");
    }
    return Optional.empty();
  }
}
