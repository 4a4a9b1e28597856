package dev.flywheel.artifacts.s3;

import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** Builds the SDK client for {@link S3Settings}. */
final class S3Clients {
  /** MinIO's and Ceph's default; any region signs for them. */
  static final Region DEFAULT_REGION_WITH_ENDPOINT = Region.US_EAST_1;

  private S3Clients() {}

  static S3Client create(S3Settings settings) {
    return builder(settings).build();
  }

  /** The configured builder, for tests that add an interceptor to watch the wire. */
  static S3ClientBuilder builder(S3Settings settings) {
    S3ClientBuilder builder =
        S3Client.builder()
            .httpClientBuilder(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(settings.connectTimeout())
                    .socketTimeout(settings.socketTimeout()))
            .credentialsProvider(DefaultCredentialsProvider.builder().build())
            .serviceConfiguration(
                c ->
                    c.pathStyleAccessEnabled(settings.pathStyle())
                        // Bundles are in memory, so plain bodies (signed whole over HTTP) instead
                        // of aws-chunked ones, which some S3-compatible servers store undecoded.
                        .chunkedEncodingEnabled(false))
            // We send SHA-256 and Content-MD5 headers ourselves and verify reads against the key's
            // sha256; the SDK's default CRC32 trailers (aws-chunked bodies) are not understood by
            // every S3-compatible server.
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (settings.endpoint() != null) {
      builder.endpointOverride(settings.endpoint());
    }
    Region region = region(settings);
    if (region != null) {
      builder.region(region);
    }
    return builder;
  }

  /**
   * The explicit region, else the SDK's settings and profile; with a custom endpoint and nothing
   * found, us-east-1. Null leaves the choice to the SDK's full chain (including instance metadata),
   * which only makes sense against AWS itself.
   */
  static Region region(S3Settings settings) {
    return region(settings, S3Clients::regionFromSettingsOrProfile);
  }

  static Region region(S3Settings settings, Supplier<Region> sdkSettings) {
    if (settings.region() != null) {
      return Region.of(settings.region());
    }
    if (settings.endpoint() == null) {
      return null;
    }
    Region found = sdkSettings.get();
    return found != null ? found : DEFAULT_REGION_WITH_ENDPOINT;
  }

  /** {@code aws.region}, {@code AWS_REGION}, then the profile; null when none is set. */
  private static Region regionFromSettingsOrProfile() {
    try {
      return new SystemSettingsRegionProvider().getRegion();
    } catch (SdkClientException e) {
      // Neither aws.region nor AWS_REGION: try the profile next.
    }
    try {
      return new AwsProfileRegionProvider().getRegion();
    } catch (SdkClientException e) {
      return null;
    }
  }
}
