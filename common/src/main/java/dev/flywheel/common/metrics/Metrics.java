package dev.flywheel.common.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The process's one Prometheus registry, with JVM metrics bound, and the helpers every service uses
 * to name meters ({@code flywheel_<area>_<what>_<unit>}), to time latencies as histograms, and to
 * include Kafka client and Kafka Streams metrics in the scrape.
 *
 * <p>Meter names are given in Micrometer's dotted form, {@code flywheel.<area>.<what>}; the
 * Prometheus naming convention adds the unit and type suffix ({@code _seconds}, {@code _total},
 * {@code _bytes}), so a timer {@code flywheel.ingest.request.duration} scrapes as {@code
 * flywheel_ingest_request_duration_seconds_bucket}.
 */
public final class Metrics {
  private static final Pattern WORD = Pattern.compile("[a-z][a-z0-9]*(\\.[a-z][a-z0-9]*)*");
  private static final Duration MIN_LATENCY = Duration.ofMillis(1);
  private static final Duration MAX_LATENCY = Duration.ofSeconds(30);

  private static final class Holder {
    static final PrometheusMeterRegistry REGISTRY = newRegistry();
  }

  private Metrics() {}

  /** The process-wide registry (created on first use, JVM metrics bound). */
  public static PrometheusMeterRegistry registry() {
    return Holder.REGISTRY;
  }

  /**
   * A fresh registry with JVM metrics bound; for tests and tools that must not share the process
   * registry. Services use {@link #registry()}.
   */
  public static PrometheusMeterRegistry newRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    for (MeterBinder binder : jvmBinders()) {
      binder.bindTo(registry);
    }
    return registry;
  }

  private static List<MeterBinder> jvmBinders() {
    return List.of(
        new JvmMemoryMetrics(),
        new JvmGcMetrics(),
        new JvmThreadMetrics(),
        new ClassLoaderMetrics(),
        new ProcessorMetrics(),
        new UptimeMetrics());
  }

  /**
   * The meter name {@code flywheel.<area>.<what>}, e.g. {@code name("ingest",
   * "feedback.accepted")}. Both parts are lower-case words separated by dots; the unit is left to
   * the meter type.
   *
   * @throws IllegalArgumentException for a part that breaks the convention
   */
  public static String name(String area, String what) {
    check(area, "area");
    check(what, "what");
    return "flywheel." + area + "." + what;
  }

  private static void check(String part, String label) {
    if (part == null || !WORD.matcher(part).matches()) {
      throw new IllegalArgumentException(
          "metric " + label + " must be lower-case words separated by '.', was '" + part + "'");
    }
    if (part.toLowerCase(Locale.ROOT).endsWith("seconds") || part.endsWith("total")) {
      throw new IllegalArgumentException(
          "metric " + label + " '" + part + "' must not carry the unit; the meter type adds it");
    }
  }

  /**
   * A latency timer named {@code flywheel.<area>.<what>} that publishes a Prometheus histogram
   * (buckets from 1 ms to 30 s), so p50/p99 can be computed across instances. Add tags, then {@code
   * register(registry)}.
   */
  public static Timer.Builder latencyTimer(String area, String what, String description) {
    return Timer.builder(name(area, what))
        .description(description)
        .publishPercentileHistogram()
        .minimumExpectedValue(MIN_LATENCY)
        .maximumExpectedValue(MAX_LATENCY);
  }

  /** Includes a producer's metrics; close the result before (or with) the producer. */
  public static AutoCloseable bind(MeterRegistry registry, Producer<?, ?> producer, Tag... tags) {
    KafkaClientMetrics binder = new KafkaClientMetrics(producer, List.of(tags));
    binder.bindTo(registry);
    return binder;
  }

  /**
   * Includes a consumer's metrics; close the result before (or with) the consumer. The binder reads
   * metrics through {@code Consumer.metrics()}, which is safe from its own scheduler thread.
   */
  public static AutoCloseable bind(MeterRegistry registry, Consumer<?, ?> consumer, Tag... tags) {
    KafkaClientMetrics binder = new KafkaClientMetrics(consumer, List.of(tags));
    binder.bindTo(registry);
    return binder;
  }

  /** Includes an admin client's metrics; close the result before (or with) the client. */
  public static AutoCloseable bind(MeterRegistry registry, Admin admin, Tag... tags) {
    if (!(admin instanceof AdminClient client)) {
      throw new IllegalArgumentException(
          "Micrometer binds AdminClient instances; got " + admin.getClass().getName());
    }
    KafkaClientMetrics binder = new KafkaClientMetrics(client, List.of(tags));
    binder.bindTo(registry);
    return binder;
  }

  /** Includes a Kafka Streams application's metrics; close the result with the application. */
  public static AutoCloseable bind(MeterRegistry registry, KafkaStreams streams, Tag... tags) {
    KafkaStreamsMetrics binder = new KafkaStreamsMetrics(streams, List.of(tags));
    binder.bindTo(registry);
    return binder;
  }
}
