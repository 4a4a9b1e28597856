package dev.flywheel.artifacts.s3;

import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.flywheel.slm.ModelBundle;
import dev.flywheel.slm.store.ArtifactStore;
import dev.flywheel.slm.store.ArtifactStoreException;
import dev.flywheel.slm.store.StoredArtifact;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An {@link ArtifactStore} in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, ...), for {@code
 * s3://bucket/prefix} roots. Same layout and guarantees as the file store: each distinct bundle is
 * stored once under its sha256 ({@code blobs/sha256/<aa>/<sha256>.zip}), sent with its SHA-256
 * checksum and Content-MD5 so the server refuses damaged uploads, and verified against its name
 * when read; a version record ({@code models/<model>/<version>.json}) is written after its blob, so
 * a visible version always has its bytes, and with {@code If-None-Match: *} so a version cannot be
 * replaced (see the README for servers that ignore that header). A torn version record (empty, or
 * JSON cut short), which a server whose PUTs are not atomic leaves when its writer dies mid-put,
 * counts as absent: {@link #find} and {@link #list} leave it out with a warning and the next put of
 * that version replaces it. URIs are {@code s3://bucket/key} of the blobs. Thread-safe.
 */
public final class S3ArtifactStore implements ArtifactStore, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(S3ArtifactStore.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private static final int CONFLICT_ATTEMPTS = 5;
  private static final Duration CONFLICT_BACKOFF = Duration.ofMillis(100);

  private final S3Client client;
  private final boolean ownsClient;
  private final S3Location location;
  // Flips when the server answers 501 to If-None-Match; from then on: check, put, read back.
  private final AtomicBoolean conditionalPutUnsupported = new AtomicBoolean();

  private S3ArtifactStore(S3Client client, boolean ownsClient, S3Location location) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.location = location;
  }

  /**
   * A store at {@code root} ({@code s3://bucket} or {@code s3://bucket/prefix}) with the settings
   * of this process ({@link S3Settings#fromEnvironment()}); {@link #close()} releases its client.
   */
  public static S3ArtifactStore create(URI root) {
    return create(root, S3Settings.fromEnvironment());
  }

  /**
   * A store at {@code root} reached with {@code settings}; {@link #close()} releases its client.
   */
  public static S3ArtifactStore create(URI root, S3Settings settings) {
    S3Location location = S3Location.parse(root);
    return new S3ArtifactStore(S3Clients.create(settings), true, location);
  }

  /**
   * A store at {@code root} that uses a client the caller configured and keeps: {@link #close()}
   * leaves it open. The client should use path-style access for non-AWS endpoints.
   */
  public static S3ArtifactStore using(S3Client client, URI root) {
    return new S3ArtifactStore(client, false, S3Location.parse(root));
  }

  /** The root, {@code s3://bucket/prefix/}. */
  public URI root() {
    return location.root();
  }

  @Override
  public StoredArtifact put(String modelName, String version, byte[] bundle) {
    return put(modelName, version, bundle, hex(digest("SHA-256", bundle)));
  }

  /**
   * Uses the sha256 the bundle was built with instead of hashing it again; the blob is sent with it
   * as its SHA-256 checksum, so the server still refuses bytes that do not match.
   */
  @Override
  public StoredArtifact put(ModelBundle bundle) {
    return put(
        bundle.manifest().modelName(),
        bundle.manifest().version(),
        bundle.toByteArray(),
        bundle.sha256());
  }

  private StoredArtifact put(String modelName, String version, byte[] bundle, String sha256) {
    String recordKey = location.recordKey(modelName, version);
    Optional<byte[]> existingJson = recordBytes(recordKey);
    Optional<StoredArtifact> existing = existingJson.flatMap(json -> decode(recordKey, json));
    if (existing.isPresent()) {
      return sameOrRefuse(existing.get(), modelName, version, sha256);
    }
    boolean replaceTorn = existingJson.isPresent();
    String blobKey = location.blobKey(sha256);
    if (!blobStored(blobKey, bundle.length)) {
      putBlob(blobKey, bundle, sha256);
    }
    StoredArtifact artifact =
        new StoredArtifact(
            modelName,
            version,
            location.uriOf(blobKey),
            sha256,
            bundle.length,
            Instant.now().toString());
    if (!putRecord(recordKey, artifact, replaceTorn)) {
      // Another writer created the version between our check and our put.
      StoredArtifact winner =
          find(modelName, version)
              .orElseThrow(
                  () ->
                      new ArtifactStoreException(
                          "the server says version record "
                              + recordKey
                              + " exists, but it cannot be read"));
      return sameOrRefuse(winner, modelName, version, sha256);
    }
    // Read back: a server that ignores If-None-Match (or answered 501 to it) overwrites, so a
    // concurrent writer of other bytes may have replaced our record; whoever reads last sees it.
    StoredArtifact stored = find(modelName, version).orElse(artifact);
    if (!stored.sha256().equals(sha256)) {
      throw conflict(modelName, version, stored.sha256(), sha256);
    }
    LOG.info(
        "stored {} {} as {} ({} bytes, sha256 {})",
        modelName,
        version,
        stored.uri(),
        bundle.length,
        sha256);
    return stored;
  }

  /**
   * Opens a stored bundle. The stream checks the bytes against the sha256 in the URI and fails the
   * read that reaches the end, with an {@link IOException} saying "corrupted", if they differ.
   */
  @Override
  public InputStream open(URI uri) {
    String key = location.keyOf(uri);
    String sha256 =
        location
            .sha256OfBlobKey(key)
            .orElseThrow(
                () ->
                    new ArtifactStoreException(uri + " is not a bundle of the store at " + root()));
    try {
      ResponseInputStream<GetObjectResponse> in =
          client.getObject(
              b -> b.bucket(location.bucket()).key(key).checksumMode(ChecksumMode.ENABLED));
      return new Sha256VerifyingInputStream(in, sha256, uri.toString());
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        throw new ArtifactStoreException("no artifact at " + uri, e);
      }
      throw failure("open " + uri, e);
    } catch (SdkException e) {
      throw failure("open " + uri, e);
    }
  }

  /**
   * All bytes of a stored bundle, verified against the sha256 in the URI.
   *
   * @throws ArtifactStoreException when nothing is stored there or the bytes are corrupted
   */
  @Override
  public byte[] read(URI uri) {
    try (InputStream in = open(uri)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new ArtifactStoreException("cannot read " + uri + ": " + e.getMessage(), e);
    } catch (SdkException e) {
      throw failure("read " + uri, e);
    }
  }

  @Override
  public boolean exists(URI uri) {
    return objectExists(location.keyOf(uri));
  }

  @Override
  public List<StoredArtifact> list(String modelName) {
    String prefix = location.recordsPrefix(modelName);
    List<StoredArtifact> out = new ArrayList<>();
    try {
      ListObjectsV2Request request =
          ListObjectsV2Request.builder().bucket(location.bucket()).prefix(prefix).build();
      for (S3Object object : client.listObjectsV2Paginator(request).contents()) {
        String name = object.key().substring(prefix.length());
        if (name.endsWith(".json") && !name.contains("/")) {
          readRecord(object.key()).ifPresent(out::add);
        }
      }
    } catch (SdkException e) {
      throw failure("list " + modelName, e);
    }
    out.sort(Comparator.comparing(StoredArtifact::storedAt).thenComparing(StoredArtifact::version));
    return out;
  }

  @Override
  public Optional<StoredArtifact> find(String modelName, String version) {
    return readRecord(location.recordKey(modelName, version));
  }

  /** Releases the HTTP client when this store created it. */
  @Override
  public void close() {
    if (ownsClient) {
      client.close();
    }
  }

  @Override
  public String toString() {
    return "S3ArtifactStore[" + root() + "]";
  }

  private void putBlob(String key, byte[] bundle, String sha256) {
    byte[] sha = HexFormat.of().parseHex(sha256);
    PutObjectRequest request =
        PutObjectRequest.builder()
            .bucket(location.bucket())
            .key(key)
            .contentType("application/zip")
            .contentLength((long) bundle.length)
            .contentMD5(base64(digest("MD5", bundle)))
            .checksumAlgorithm(ChecksumAlgorithm.SHA256)
            .checksumSHA256(base64(sha))
            .build();
    try {
      PutObjectResponse response = client.putObject(request, RequestBody.fromBytes(bundle));
      // Servers that keep checksums echo it; one that kept something else must not go unnoticed.
      if (response.checksumSHA256() != null && !response.checksumSHA256().equals(base64(sha))) {
        throw new ArtifactStoreException(
            "server stored "
                + key
                + " with checksum "
                + response.checksumSHA256()
                + ", sent "
                + base64(sha));
      }
    } catch (SdkException e) {
      throw failure("store blob " + key, e);
    }
  }

  /**
   * Writes a version record unless one exists; false when the server says one does. A torn record
   * is replaced: it is overwritten without {@code If-None-Match}, and the read-back after the put
   * catches a concurrent writer, as on servers without conditional writes.
   */
  private boolean putRecord(String key, StoredArtifact artifact, boolean replaceTorn) {
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(artifact);
    } catch (IOException e) {
      throw new ArtifactStoreException("cannot encode record for " + key, e);
    }
    for (int attempt = 1; ; attempt++) {
      boolean conditional = !replaceTorn && !conditionalPutUnsupported.get();
      try {
        putJson(key, json, conditional);
        return true;
      } catch (S3Exception e) {
        if (conditional && e.statusCode() == 412) {
          return false; // the version exists
        }
        if (conditional && e.statusCode() == 409 && attempt < CONFLICT_ATTEMPTS) {
          // Another conditional write of this key is in flight; S3 asks to retry, and the retry
          // then sees 412 or succeeds.
          pause(key, attempt);
          continue;
        }
        if (conditional && e.statusCode() == 501) {
          if (conditionalPutUnsupported.compareAndSet(false, true)) {
            LOG.warn(
                "{} does not support conditional puts (If-None-Match); using check-then-put",
                root());
          }
          continue;
        }
        throw failure("store record " + key, e);
      } catch (SdkException e) {
        throw failure("store record " + key, e);
      }
    }
  }

  private void putJson(String key, byte[] json, boolean ifNoneMatch) {
    PutObjectRequest.Builder request =
        PutObjectRequest.builder()
            .bucket(location.bucket())
            .key(key)
            .contentType("application/json")
            .contentLength((long) json.length)
            .contentMD5(base64(digest("MD5", json)))
            .checksumAlgorithm(ChecksumAlgorithm.SHA256)
            .checksumSHA256(base64(digest("SHA-256", json)));
    if (ifNoneMatch) {
      request.ifNoneMatch("*");
    }
    client.putObject(request.build(), RequestBody.fromBytes(json));
  }

  private static void pause(String key, int attempt) {
    try {
      Thread.sleep(CONFLICT_BACKOFF.toMillis() * attempt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ArtifactStoreException("interrupted while storing " + key, e);
    }
  }

  private Optional<StoredArtifact> readRecord(String key) {
    return recordBytes(key).flatMap(json -> decode(key, json));
  }

  /** The bytes stored at a record key, empty when there is no object. */
  private Optional<byte[]> recordBytes(String key) {
    try {
      return Optional.of(
          client
              .getObjectAsBytes(
                  b -> b.bucket(location.bucket()).key(key).checksumMode(ChecksumMode.ENABLED))
              .asByteArray());
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw failure("read record " + key, e);
    } catch (SdkException e) {
      throw failure("read record " + key, e);
    }
  }

  /**
   * A version record, or empty when it is torn: no bytes, or a JSON document that ends early. A
   * whole document that is not a record (written by something else) is an error, not torn: it is
   * never replaced.
   */
  private static Optional<StoredArtifact> decode(String key, byte[] json) {
    try {
      if (json.length > 0) {
        return Optional.of(JSON.readValue(json, StoredArtifact.class));
      }
    } catch (IOException e) {
      if (!endsEarly(e)) {
        throw new ArtifactStoreException("malformed version record " + key + ": " + e, e);
      }
    }
    LOG.warn(
        "version record {} is torn ({} bytes; its writer died mid-put on a server whose PUTs are"
            + " not atomic): it counts as absent, and the next put of that version replaces it",
        key,
        json.length);
    return Optional.empty();
  }

  /** Whether parsing failed at the end of the input (databind wraps the parser's exception). */
  private static boolean endsEarly(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof JsonEOFException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the blob is stored whole. A blob of another length was torn the same way (the record
   * naming it is written after it, so no visible version refers to it): it is written again.
   */
  private boolean blobStored(String key, long length) {
    Optional<Long> stored = storedLength(key);
    if (stored.isEmpty()) {
      return false;
    }
    if (stored.get() == length) {
      return true;
    }
    LOG.warn(
        "blob {} holds {} of its {} bytes (torn): writing it again", key, stored.get(), length);
    return false;
  }

  private boolean objectExists(String key) {
    return storedLength(key).isPresent();
  }

  /** The length of the object at {@code key}, empty when there is none. */
  private Optional<Long> storedLength(String key) {
    try {
      return Optional.of(
          client.headObject(b -> b.bucket(location.bucket()).key(key)).contentLength());
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw failure("look up " + key, e);
    } catch (SdkException e) {
      throw failure("look up " + key, e);
    }
  }

  private static StoredArtifact sameOrRefuse(
      StoredArtifact existing, String modelName, String version, String sha256) {
    if (existing.sha256().equals(sha256)) {
      return existing;
    }
    throw conflict(modelName, version, existing.sha256(), sha256);
  }

  private static ArtifactStoreException conflict(
      String modelName, String version, String existingSha256, String sha256) {
    return new ArtifactStoreException(
        modelName
            + " version "
            + version
            + " already holds bundle "
            + existingSha256
            + "; refusing to replace it with "
            + sha256);
  }

  private ArtifactStoreException failure(String action, SdkException e) {
    String detail =
        e instanceof S3Exception s3
            ? "HTTP "
                + s3.statusCode()
                + (s3.awsErrorDetails() == null ? "" : " " + s3.awsErrorDetails().errorCode())
            : e.getClass().getSimpleName();
    return new ArtifactStoreException(
        "cannot " + action + " in " + root() + " (" + detail + "): " + e.getMessage(), e);
  }

  private static byte[] digest(String algorithm, byte[] bytes) {
    try {
      return MessageDigest.getInstance(algorithm).digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " unavailable", e);
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  private static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }
}
