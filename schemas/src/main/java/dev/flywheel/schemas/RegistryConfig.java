package dev.flywheel.schemas;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach a Confluent-compatible schema registry.
 *
 * @param url base URL, e.g. {@code http://localhost:8081}; a comma-separated list names several
 *     instances of one registry, tried in turn when one cannot be reached
 * @param basicAuthUserInfo {@code user:password} for HTTP basic authentication, if required
 * @param requestTimeout limit of one HTTP request (and of connecting)
 * @param maxRetries retries after a 5xx answer or a connection error (never after a 4xx)
 * @param retryBackoff wait before the first retry; doubled for every further one
 */
public record RegistryConfig(
    String url,
    Optional<String> basicAuthUserInfo,
    Duration requestTimeout,
    int maxRetries,
    Duration retryBackoff) {

  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_RETRIES = 3;
  public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(200);

  public RegistryConfig {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(basicAuthUserInfo, "basicAuthUserInfo");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(retryBackoff, "retryBackoff");
    if (url.isBlank()) {
      throw new IllegalArgumentException("schema registry url must not be blank");
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("requestTimeout must be positive: " + requestTimeout);
    }
    if (maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries must be >= 0: " + maxRetries);
    }
    if (retryBackoff.isNegative()) {
      throw new IllegalArgumentException("retryBackoff must not be negative: " + retryBackoff);
    }
    basicAuthUserInfo.ifPresent(
        info -> {
          if (info.indexOf(':') < 0) {
            throw new IllegalArgumentException("basicAuthUserInfo must be user:password");
          }
        });
  }

  /** A registry at {@code url} without authentication, with default timeout and retries. */
  public static RegistryConfig of(String url) {
    return new RegistryConfig(
        url, Optional.empty(), DEFAULT_REQUEST_TIMEOUT, DEFAULT_MAX_RETRIES, DEFAULT_RETRY_BACKOFF);
  }

  /** This configuration with basic authentication as {@code user:password}. */
  public RegistryConfig withBasicAuth(String userInfo) {
    return new RegistryConfig(url, Optional.of(userInfo), requestTimeout, maxRetries, retryBackoff);
  }

  /** This configuration with other retry settings. */
  public RegistryConfig withRetries(int retries, Duration backoff) {
    return new RegistryConfig(url, basicAuthUserInfo, requestTimeout, retries, backoff);
  }

  /** This configuration with another request timeout. */
  public RegistryConfig withRequestTimeout(Duration timeout) {
    return new RegistryConfig(url, basicAuthUserInfo, timeout, maxRetries, retryBackoff);
  }

  /** Never prints the password. */
  @Override
  public String toString() {
    return "RegistryConfig[url="
        + url
        + ", basicAuth="
        + basicAuthUserInfo.map(u -> u.substring(0, u.indexOf(':')) + ":***").orElse("none")
        + ", requestTimeout="
        + requestTimeout
        + ", maxRetries="
        + maxRetries
        + ", retryBackoff="
        + retryBackoff
        + "]";
  }
}
