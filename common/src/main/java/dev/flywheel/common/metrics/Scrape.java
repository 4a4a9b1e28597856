package dev.flywheel.common.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;

/**
 * One scrape of a registry in the format the client asked for: OpenMetrics 1.0 when the {@code
 * Accept} header names {@code application/openmetrics-text}, else Prometheus text 0.0.4.
 */
public record Scrape(String contentType, String body) {
  /** Content type of the Prometheus text exposition format 0.0.4. */
  public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  /** Content type of the OpenMetrics 1.0 text format. */
  public static final String OPENMETRICS_TEXT =
      "application/openmetrics-text; version=1.0.0; charset=utf-8";

  /** Scrapes {@code registry} for a request with the given {@code Accept} header (may be null). */
  public static Scrape of(PrometheusMeterRegistry registry, String accept) {
    boolean openMetrics =
        accept != null && accept.toLowerCase(Locale.ROOT).contains("application/openmetrics-text");
    String type = openMetrics ? OPENMETRICS_TEXT : PROMETHEUS_TEXT;
    return new Scrape(type, registry.scrape(type));
  }
}
