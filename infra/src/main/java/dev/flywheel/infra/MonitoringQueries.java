package dev.flywheel.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Every PromQL expression the operations files query: the alert and recording rules of {@code
 * prometheus/rules.yaml} and the panel targets and template variables of the Grafana dashboards
 * under {@code grafana/dashboards/}. {@link #unknownNames(Set)} names each metric they query that a
 * scrape of the services does not contain, with the place that queries it.
 */
public final class MonitoringQueries {
  /** Series Prometheus itself makes: a query may name them without any service exporting them. */
  public static final Set<String> PROMETHEUS_SERIES =
      Set.of(
          "up",
          "ALERTS",
          "ALERTS_FOR_STATE",
          "scrape_duration_seconds",
          "scrape_samples_scraped",
          "scrape_samples_post_metric_relabeling",
          "scrape_series_added");

  /**
   * Series a service exports only in some deployments, with the reason; a scrape that lacks them
   * does not make a query wrong.
   */
  public static final Map<String, String> CONDITIONAL_SERIES =
      Map.of(
          "flywheel_trainer_gpu_memory_used_bytes",
          "the trainer registers it only when it trains on a GPU");

  // Grafana's label_values(<query>, <label>) and label_values(<label>) variable queries.
  private static final Pattern LABEL_VALUES =
      Pattern.compile(
          "^\\s*label_values\\((.*),\\s*[A-Za-z_][A-Za-z0-9_]*\\s*\\)\\s*$", Pattern.DOTALL);
  private static final Pattern LABEL_VALUES_ONLY =
      Pattern.compile("^\\s*label_values\\(\\s*[A-Za-z_][A-Za-z0-9_]*\\s*\\)\\s*$");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One expression and where it is written.
   *
   * @param source file and place, e.g. {@code grafana/dashboards/loop.json panel "Releases"}
   * @param expression the PromQL text
   */
  public record Query(String source, String expression) {}

  private final List<Query> queries;
  private final Set<String> recorded;

  private MonitoringQueries(List<Query> queries, Set<String> recorded) {
    this.queries = List.copyOf(queries);
    this.recorded = Set.copyOf(recorded);
  }

  /** Reads the rules and dashboards under {@code infraDir} (the {@code infra/} folder). */
  public static MonitoringQueries load(Path infraDir) {
    List<Query> queries = new ArrayList<>();
    Set<String> recorded = new TreeSet<>();
    readRules(infraDir, infraDir.resolve("prometheus/rules.yaml"), queries, recorded);
    Path dashboards = infraDir.resolve("grafana/dashboards");
    try (Stream<Path> files = Files.list(dashboards)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        readDashboard(infraDir, file, queries);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dashboards, e);
    }
    return new MonitoringQueries(queries, recorded);
  }

  /** Every expression, rules first, then dashboards in file order. */
  public List<Query> queries() {
    return queries;
  }

  /** Names the recording rules define; queries may use them without a service exporting them. */
  public Set<String> recordedNames() {
    return recorded;
  }

  /** Every metric name queried, with the places that query it. */
  public Map<String, Set<String>> metricNames() {
    Map<String, Set<String>> names = new TreeMap<>();
    for (Query query : queries) {
      for (String name : PromQl.metricNames(query.expression())) {
        names.computeIfAbsent(name, n -> new TreeSet<>()).add(query.source());
      }
    }
    return names;
  }

  /**
   * The queried names that neither {@code exported} (sample names of the services' scrapes, see
   * {@link Exposition#sampleNames(String)}), the recording rules, Prometheus itself nor {@link
   * #CONDITIONAL_SERIES} provide, each as {@code name (queried by ...)}; empty when every query can
   * find its series.
   */
  public List<String> unknownNames(Set<String> exported) {
    List<String> unknown = new ArrayList<>();
    metricNames()
        .forEach(
            (name, sources) -> {
              if (!exported.contains(name)
                  && !recorded.contains(name)
                  && !PROMETHEUS_SERIES.contains(name)
                  && !CONDITIONAL_SERIES.containsKey(name)) {
                unknown.add(name + " (queried by " + String.join("; ", sources) + ")");
              }
            });
    return unknown;
  }

  /**
   * Like {@link #unknownNames(Set)}, with one scrape per service, keyed by the value of the {@code
   * service} label the scrape configuration gives it ({@code ingest}, {@code feedback}, ...): a
   * selector that names a service ({@code service="trainer"}) must find its metric in that
   * service's scrape, so an alert cannot watch a series its service never exports; other selectors
   * may find theirs in any scrape. Each problem reads {@code name{service="x"} (queried by ...)}.
   */
  public List<String> unknownNames(Map<String, Set<String>> exportedByService) {
    Set<String> anywhere = new TreeSet<>();
    exportedByService.values().forEach(anywhere::addAll);
    Map<String, Set<String>> unknown = new TreeMap<>();
    for (Query query : queries) {
      for (PromQl.Selector selector : PromQl.selectors(query.expression())) {
        String name = selector.name();
        if (recorded.contains(name)
            || PROMETHEUS_SERIES.contains(name)
            || CONDITIONAL_SERIES.containsKey(name)) {
          continue;
        }
        String service = selector.labels().get("service");
        boolean scoped = service != null && exportedByService.containsKey(service);
        Set<String> exported = scoped ? exportedByService.get(service) : anywhere;
        if (!exported.contains(name)) {
          String key = scoped ? name + "{service=\"" + service + "\"}" : name;
          unknown.computeIfAbsent(key, k -> new TreeSet<>()).add(query.source());
        }
      }
    }
    List<String> problems = new ArrayList<>();
    unknown.forEach(
        (key, sources) -> problems.add(key + " (queried by " + String.join("; ", sources) + ")"));
    return problems;
  }

  private static void readRules(
      Path infraDir, Path file, Collection<Query> queries, Set<String> recorded) {
    JsonNode root = read(YAML, file);
    for (JsonNode group : root.path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        String name =
            rule.hasNonNull("alert")
                ? "alert " + rule.get("alert").asText()
                : "record " + rule.path("record").asText();
        if (rule.hasNonNull("record")) {
          recorded.add(rule.get("record").asText());
        }
        queries.add(new Query(relative(infraDir, file) + " " + name, rule.path("expr").asText()));
      }
    }
  }

  private static void readDashboard(Path infraDir, Path file, Collection<Query> queries) {
    JsonNode dashboard = read(JSON, file);
    String where = relative(infraDir, file);
    readPanels(where, dashboard.path("panels"), queries);
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if (!"query".equals(variable.path("type").asText())) {
        continue;
      }
      JsonNode query = variable.path("query");
      String text = query.isObject() ? query.path("query").asText() : query.asText();
      String expression = variableExpression(text);
      if (!expression.isBlank()) {
        queries.add(
            new Query(where + " variable \"" + variable.path("name").asText() + "\"", expression));
      }
    }
  }

  private static void readPanels(String where, JsonNode panels, Collection<Query> queries) {
    for (JsonNode panel : panels) {
      readPanels(where, panel.path("panels"), queries); // collapsed rows nest their panels
      for (JsonNode target : panel.path("targets")) {
        if (target.hasNonNull("expr")) {
          queries.add(
              new Query(
                  where + " panel \"" + panel.path("title").asText() + "\"",
                  target.get("expr").asText()));
        }
      }
    }
  }

  /** The PromQL inside a Grafana variable query ({@code label_values(expr, label)} or plain). */
  static String variableExpression(String text) {
    if (LABEL_VALUES_ONLY.matcher(text).matches()) {
      return "";
    }
    Matcher m = LABEL_VALUES.matcher(text);
    if (m.matches()) {
      return m.group(1);
    }
    Matcher q = Pattern.compile("^\\s*query_result\\((.*)\\)\\s*$", Pattern.DOTALL).matcher(text);
    return q.matches() ? q.group(1) : text;
  }

  private static JsonNode read(ObjectMapper mapper, Path file) {
    try {
      return mapper.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static String relative(Path infraDir, Path file) {
    return infraDir.relativize(file).toString().replace('\\', '/');
  }
}
