package dev.flywheel.artifacts.s3;

import dev.flywheel.slm.store.ArtifactStoreException;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A store root ({@code s3://bucket/prefix}) and the key layout beneath it, the same as the file
 * store's: {@code <prefix>blobs/sha256/<first two hex>/<sha256>.zip} holds each distinct bundle
 * once, {@code <prefix>models/<model>/<version>.json} records which blob a version is. Pure: no
 * network.
 */
record S3Location(String bucket, String prefix) {
  static final String SCHEME = "s3";

  // S3's rules for new buckets (lower case, digits, '.', '-'; 3 to 63 characters).
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  // Prefix segments and names: the file store's safe set, so every key is a plain ASCII path.
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern BLOB_KEY =
      Pattern.compile("blobs/sha256/([0-9a-f]{2})/(\\1[0-9a-f]{62})\\.zip");

  S3Location {
    if (!BUCKET.matcher(bucket).matches()) {
      throw new IllegalArgumentException(
          "not an S3 bucket name (3-63 of a-z 0-9 . -): '" + bucket + "'");
    }
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      throw new IllegalArgumentException("prefix must be empty or end with '/': " + prefix);
    }
  }

  /**
   * Parses a store root such as {@code s3://flywheel-artifacts} or {@code
   * s3://flywheel-artifacts/team-a/prod}. Query, fragment, user info and port are refused: the
   * endpoint and credentials come from {@link S3Settings}, never from artifact URIs.
   */
  static S3Location parse(URI root) {
    if (root.getScheme() == null || !root.getScheme().equalsIgnoreCase(SCHEME)) {
      throw new ArtifactStoreException("not an s3: URI: " + root);
    }
    if (root.isOpaque() || root.getRawAuthority() == null) {
      throw new ArtifactStoreException(
          "an s3: root needs a bucket, as in s3://bucket/prefix: " + root);
    }
    if (root.getRawQuery() != null || root.getRawFragment() != null) {
      throw new ArtifactStoreException(
          "an s3: root takes no query or fragment (configure the endpoint with FLYWHEEL_S3_ENDPOINT): "
              + root);
    }
    String bucket = root.getRawAuthority();
    StringBuilder prefix = new StringBuilder();
    String path = root.getRawPath() == null ? "" : root.getRawPath();
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty()) {
        continue;
      }
      if (!SEGMENT.matcher(segment).matches()) {
        throw new ArtifactStoreException(
            "prefix segment '" + segment + "' of " + root + " must match " + SEGMENT.pattern());
      }
      prefix.append(segment).append('/');
    }
    try {
      return new S3Location(bucket, prefix.toString());
    } catch (IllegalArgumentException e) {
      throw new ArtifactStoreException(e.getMessage() + " in " + root, e);
    }
  }

  /** The root as a URI, {@code s3://bucket/prefix/}. */
  URI root() {
    return URI.create(SCHEME + "://" + bucket + "/" + prefix);
  }

  String blobKey(String sha256) {
    return prefix + "blobs/sha256/" + sha256.substring(0, 2) + "/" + sha256 + ".zip";
  }

  String recordKey(String modelName, String version) {
    return recordsPrefix(modelName) + checkSegment("version", version) + ".json";
  }

  String recordsPrefix(String modelName) {
    return prefix + "models/" + checkSegment("model name", modelName) + "/";
  }

  URI uriOf(String key) {
    return URI.create(SCHEME + "://" + bucket + "/" + key);
  }

  /**
   * The object key a URI of this store names.
   *
   * @throws ArtifactStoreException when the URI is not {@code s3:}, names another bucket, or lies
   *     outside the prefix
   */
  String keyOf(URI uri) {
    if (uri.getScheme() == null
        || !uri.getScheme().toLowerCase(Locale.ROOT).equals(SCHEME)
        || uri.isOpaque()) {
      throw new ArtifactStoreException("not an s3: URI: " + uri);
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String key = path.startsWith("/") ? path.substring(1) : path;
    if (!bucket.equals(uri.getRawAuthority())
        || !key.startsWith(prefix)
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      throw new ArtifactStoreException(uri + " is outside the store at " + root());
    }
    return key;
  }

  /**
   * The sha256 that a blob key is named after, if the key is one of this store's blobs; reading
   * verifies the content against it.
   */
  Optional<String> sha256OfBlobKey(String key) {
    if (!key.startsWith(prefix)) {
      return Optional.empty();
    }
    Matcher m = BLOB_KEY.matcher(key.substring(prefix.length()));
    return m.matches() ? Optional.of(m.group(2)) : Optional.empty();
  }

  static String checkSegment(String what, String value) {
    if (value == null || !SEGMENT.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what + " must match " + SEGMENT.pattern() + " to be stored, got '" + value + "'");
    }
    return value;
  }
}
