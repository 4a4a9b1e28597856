package dev.flywheel.artifacts.s3;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * How to reach the S3-compatible service: everything that is not in the {@code s3://bucket/prefix}
 * URI. Credentials are not here: the AWS SDK's default chain finds them ({@code
 * AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, {@code aws.accessKeyId}/{@code
 * aws.secretAccessKey}, profiles, container and instance roles).
 *
 * @param endpoint the service endpoint, e.g. {@code http://minio:9000}; {@code null} for the SDK's
 *     default (AWS, or {@code AWS_ENDPOINT_URL_S3}/{@code AWS_ENDPOINT_URL})
 * @param region the signing region; {@code null} for the SDK's default chain ({@code AWS_REGION},
 *     {@code aws.region}, profile), and {@code us-east-1} when an endpoint is set and no region is
 *     found (MinIO and Ceph accept it)
 * @param pathStyle {@code https://endpoint/bucket/key} requests instead of {@code
 *     https://bucket.endpoint/key}; the default, because MinIO, Ceph and test servers need it
 * @param connectTimeout TCP connect timeout
 * @param socketTimeout read timeout of one socket operation
 */
public record S3Settings(
    URI endpoint,
    String region,
    boolean pathStyle,
    Duration connectTimeout,
    Duration socketTimeout) {

  static final String ENDPOINT_PROPERTY = "flywheel.s3.endpoint";
  static final String ENDPOINT_ENV = "FLYWHEEL_S3_ENDPOINT";
  static final String REGION_PROPERTY = "flywheel.s3.region";
  static final String REGION_ENV = "FLYWHEEL_S3_REGION";
  static final String PATH_STYLE_PROPERTY = "flywheel.s3.path-style";
  static final String PATH_STYLE_ENV = "FLYWHEEL_S3_PATH_STYLE";

  /** Defaults: SDK endpoint and region, path-style, 10 s connect, 60 s socket timeout. */
  public static final S3Settings DEFAULTS =
      new S3Settings(null, null, true, Duration.ofSeconds(10), Duration.ofSeconds(60));

  /** Validates the values. */
  public S3Settings {
    if (endpoint != null
        && (endpoint.getScheme() == null
            || !(endpoint.getScheme().equalsIgnoreCase("http")
                || endpoint.getScheme().equalsIgnoreCase("https"))
            || endpoint.getHost() == null)) {
      throw new IllegalArgumentException(
          "S3 endpoint must be an http(s) URL such as http://localhost:9000, got " + endpoint);
    }
    if (region != null && region.isBlank()) {
      region = null;
    }
    if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("connectTimeout must be positive: " + connectTimeout);
    }
    if (socketTimeout == null || socketTimeout.isNegative() || socketTimeout.isZero()) {
      throw new IllegalArgumentException("socketTimeout must be positive: " + socketTimeout);
    }
  }

  /** These settings with another endpoint. */
  public S3Settings withEndpoint(URI newEndpoint) {
    return new S3Settings(newEndpoint, region, pathStyle, connectTimeout, socketTimeout);
  }

  /** These settings with another region. */
  public S3Settings withRegion(String newRegion) {
    return new S3Settings(endpoint, newRegion, pathStyle, connectTimeout, socketTimeout);
  }

  /**
   * The settings of this process: system properties {@code flywheel.s3.endpoint}, {@code
   * flywheel.s3.region}, {@code flywheel.s3.path-style}, else the environment variables {@code
   * FLYWHEEL_S3_ENDPOINT}, {@code FLYWHEEL_S3_REGION}, {@code FLYWHEEL_S3_PATH_STYLE}.
   *
   * @throws IllegalArgumentException listing every invalid value
   */
  public static S3Settings fromEnvironment() {
    return from(System::getProperty, System::getenv);
  }

  static S3Settings from(UnaryOperator<String> properties, UnaryOperator<String> environment) {
    List<String> problems = new ArrayList<>();
    String endpointText = value(properties, ENDPOINT_PROPERTY, environment, ENDPOINT_ENV);
    URI endpoint = null;
    if (endpointText != null) {
      try {
        endpoint = URI.create(endpointText);
        if (endpoint.getScheme() == null
            || !endpoint.getScheme().toLowerCase(Locale.ROOT).startsWith("http")
            || endpoint.getHost() == null) {
          problems.add(ENDPOINT_ENV + " must be an http(s) URL, got '" + endpointText + "'");
        }
      } catch (IllegalArgumentException e) {
        problems.add(ENDPOINT_ENV + " is not a URI: '" + endpointText + "'");
      }
    }
    String region = value(properties, REGION_PROPERTY, environment, REGION_ENV);
    String pathStyleText = value(properties, PATH_STYLE_PROPERTY, environment, PATH_STYLE_ENV);
    boolean pathStyle = DEFAULTS.pathStyle();
    if (pathStyleText != null) {
      switch (pathStyleText.toLowerCase(Locale.ROOT)) {
        case "true" -> pathStyle = true;
        case "false" -> pathStyle = false;
        default ->
            problems.add(PATH_STYLE_ENV + " must be true or false, got '" + pathStyleText + "'");
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid S3 settings: " + String.join("; ", problems));
    }
    return new S3Settings(
        endpoint, region, pathStyle, DEFAULTS.connectTimeout(), DEFAULTS.socketTimeout());
  }

  private static String value(
      UnaryOperator<String> properties,
      String property,
      UnaryOperator<String> environment,
      String variable) {
    String v = properties.apply(property);
    if (v == null || v.isBlank()) {
      v = environment.apply(variable);
    }
    return v == null || v.isBlank() ? null : v.trim();
  }
}
