package dev.flywheel.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MetricsTest {
  @Test
  void shouldKeepOneRegistryPerProcess() {
    assertThat(Metrics.registry()).isSameAs(Metrics.registry());
  }

  @Test
  void shouldNameMetersAfterTheConvention() {
    assertThat(Metrics.name("ingest", "feedback.accepted"))
        .isEqualTo("flywheel.ingest.feedback.accepted");
    assertThatThrownBy(() -> Metrics.name("Ingest", "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Metrics.name("ingest", "request_latency"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Metrics.name("ingest", "latency.seconds"))
        .hasMessageContaining("unit");
  }

  @Test
  void shouldScrapeJvmMetricsAndLatencyHistogramBuckets() {
    PrometheusMeterRegistry registry = Metrics.newRegistry();
    Timer timer =
        Metrics.latencyTimer("ingest", "request.duration", "Time to answer a request")
            .tag("route", "/feedback")
            .register(registry);
    timer.record(Duration.ofMillis(12));
    timer.record(Duration.ofMillis(250));

    String text = Scrape.of(registry, null).body();

    assertThat(text)
        .contains("jvm_memory_used_bytes")
        .contains("jvm_gc_")
        .contains("jvm_threads_live_threads")
        .contains("jvm_classes_loaded_classes")
        .contains("system_cpu_count")
        .contains("process_uptime_seconds")
        .contains("# TYPE flywheel_ingest_request_duration_seconds histogram")
        .contains(
            "flywheel_ingest_request_duration_seconds_bucket{route=\"/feedback\",le=\"+Inf\"} 2")
        .contains("flywheel_ingest_request_duration_seconds_count{route=\"/feedback\"} 2");
  }

  @Test
  void shouldScrapeOpenMetricsWhenAsked() {
    PrometheusMeterRegistry registry = Metrics.newRegistry();

    Scrape prometheus = Scrape.of(registry, "text/plain");
    Scrape openMetrics =
        Scrape.of(registry, "application/openmetrics-text; version=1.0.0,text/plain;q=0.5");

    assertThat(prometheus.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    assertThat(prometheus.body()).doesNotContain("# EOF");
    assertThat(openMetrics.contentType()).startsWith("application/openmetrics-text; version=1.0.0");
    assertThat(openMetrics.body()).endsWith("# EOF\n");
  }
}
