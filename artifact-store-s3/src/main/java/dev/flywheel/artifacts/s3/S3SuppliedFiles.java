package dev.flywheel.artifacts.s3;

import dev.flywheel.slm.store.ArtifactStoreException;
import dev.flywheel.slm.store.Limits;
import dev.flywheel.slm.store.SuppliedFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Files that users put in a bucket themselves ({@code s3://bucket/path/to/file}), such as a base
 * model's {@code config.json}, read with the store's client and settings. The stamp is the object's
 * size and entity tag. Keys are limited to the store's safe segments ({@code
 * [A-Za-z0-9][A-Za-z0-9._-]*} separated by {@code /}); query, fragment, user info and port are
 * refused as for store roots.
 */
final class S3SuppliedFiles implements SuppliedFiles {
  private final S3Client client;

  S3SuppliedFiles(S3Client client) {
    this.client = client;
  }

  @Override
  public Optional<Stamp> stamp(URI file) {
    ObjectKey object = ObjectKey.of(file);
    try {
      HeadObjectResponse head = client.headObject(b -> b.bucket(object.bucket()).key(object.key()));
      return Optional.of(new Stamp(head.contentLength(), head.eTag()));
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw failure("look up", file, e);
    } catch (SdkException e) {
      throw failure("look up", file, e);
    }
  }

  @Override
  public byte[] read(URI file, long maxBytes) {
    return get(file, null, in -> Limits.readAtMost(in, maxBytes, file));
  }

  @Override
  public byte[] readStart(URI file, int length) {
    if (length <= 0) {
      return new byte[0];
    }
    // A shorter object is answered whole: servers cut a range at the object's end.
    return get(file, "bytes=0-" + (length - 1), in -> in.readNBytes(length));
  }

  private interface Body {
    byte[] read(InputStream in) throws IOException;
  }

  private byte[] get(URI file, String range, Body body) {
    ObjectKey object = ObjectKey.of(file);
    try (InputStream in =
        client.getObject(b -> b.bucket(object.bucket()).key(object.key()).range(range))) {
      return body.read(in);
    } catch (NoSuchKeyException e) {
      throw new ArtifactStoreException("no file at " + file, e);
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        throw new ArtifactStoreException("no file at " + file, e);
      }
      throw failure("read", file, e);
    } catch (SdkException e) {
      throw failure("read", file, e);
    } catch (IOException e) {
      throw new ArtifactStoreException("cannot read " + file + ": " + e, e);
    }
  }

  private static ArtifactStoreException failure(String action, URI file, SdkException e) {
    String detail =
        e instanceof S3Exception s3 ? "HTTP " + s3.statusCode() : e.getClass().getSimpleName();
    return new ArtifactStoreException(
        "cannot " + action + " " + file + " (" + detail + "): " + e.getMessage(), e);
  }

  /** A bucket and an object key, parsed and checked from a file's URI. */
  record ObjectKey(String bucket, String key) {
    static ObjectKey of(URI file) {
      if (file.getScheme() == null
          || !file.getScheme().toLowerCase(Locale.ROOT).equals(S3Location.SCHEME)
          || file.isOpaque()
          || file.getRawAuthority() == null) {
        throw new ArtifactStoreException("not an s3://bucket/key URI: " + file);
      }
      if (file.getRawQuery() != null || file.getRawFragment() != null) {
        throw new ArtifactStoreException("an s3: file URI takes no query or fragment: " + file);
      }
      String bucket = file.getRawAuthority();
      try {
        new S3Location(bucket, ""); // checks the bucket name (and refuses user info and ports)
      } catch (IllegalArgumentException e) {
        throw new ArtifactStoreException(e.getMessage() + " in " + file, e);
      }
      String path = file.getRawPath() == null ? "" : file.getRawPath();
      String key = path.startsWith("/") ? path.substring(1) : path;
      if (key.isEmpty()) {
        throw new ArtifactStoreException("no object key in " + file);
      }
      for (String segment : key.split("/", -1)) {
        try {
          S3Location.checkSegment("key segment", segment);
        } catch (IllegalArgumentException e) {
          throw new ArtifactStoreException(e.getMessage() + " in " + file, e);
        }
      }
      return new ObjectKey(bucket, key);
    }
  }
}
