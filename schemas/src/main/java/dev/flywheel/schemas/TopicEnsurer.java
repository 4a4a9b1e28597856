package dev.flywheel.schemas;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The idempotent "ensure topics" step: creates the catalogue's missing topics and compares the
 * existing ones with their declaration — partitions, replication factor, cleanup policy, retention
 * and extra configs — reporting every difference without altering anything, since changing a live
 * topic's layout is an operator's decision.
 */
public final class TopicEnsurer {
  /** Limit of each admin round trip when no timeout is given. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private static final Duration METADATA_RETRY = Duration.ofMillis(100);
  private static final Logger LOG = LoggerFactory.getLogger(TopicEnsurer.class);

  private TopicEnsurer() {}

  /** {@link #ensure(Admin, Collection, short, Duration)} of every topic of the catalogue. */
  public static EnsureReport ensure(Admin admin, Topics topics, short replicationFactor) {
    return ensure(admin, topics.all(), replicationFactor, DEFAULT_TIMEOUT);
  }

  /**
   * Creates the missing ones of {@code topics} with {@code replicationFactor} and checks the
   * others.
   *
   * @throws KafkaException when the cluster cannot be asked or refuses to create a topic
   * @throws InterruptException when the thread is interrupted (its flag set again)
   */
  public static EnsureReport ensure(
      Admin admin, Collection<Topic<?, ?>> topics, short replicationFactor, Duration timeout) {
    Set<String> existing = await(admin.listTopics().names(), timeout, "list topics");
    List<String> created = new ArrayList<>();
    List<Topic<?, ?>> toCheck = new ArrayList<>();
    List<NewTopic> toCreate = new ArrayList<>();
    Map<String, Topic<?, ?>> byName = new HashMap<>();
    for (Topic<?, ?> topic : topics) {
      byName.put(topic.name(), topic);
      if (existing.contains(topic.name())) {
        toCheck.add(topic);
      } else {
        toCreate.add(topic.newTopic(replicationFactor));
      }
    }
    if (!toCreate.isEmpty()) {
      Map<String, KafkaFuture<Void>> results = admin.createTopics(toCreate).values();
      for (Map.Entry<String, KafkaFuture<Void>> result : results.entrySet()) {
        try {
          await(result.getValue(), timeout, "create topic " + result.getKey());
          created.add(result.getKey());
          LOG.info("Created topic {}", byName.get(result.getKey()));
        } catch (KafkaException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
          // Someone else created it meanwhile: check it like any existing topic.
          toCheck.add(byName.get(result.getKey()));
        }
      }
    }
    List<String> alreadyOk = new ArrayList<>();
    List<EnsureReport.Mismatch> mismatches = new ArrayList<>();
    if (!toCheck.isEmpty()) {
      check(admin, toCheck, replicationFactor, timeout, alreadyOk, mismatches);
    }
    mismatches.forEach(m -> LOG.warn("Topic mismatch (left as it is): {}", m));
    return new EnsureReport(sorted(created), sorted(alreadyOk), mismatches);
  }

  /** What the cluster says of the topics to check. */
  private record Described(
      Map<String, TopicDescription> topics, Map<ConfigResource, Config> configs) {}

  private static void check(
      Admin admin,
      List<Topic<?, ?>> topics,
      short replicationFactor,
      Duration timeout,
      List<String> alreadyOk,
      List<EnsureReport.Mismatch> mismatches) {
    List<String> names = topics.stream().map(Topic::name).toList();
    List<ConfigResource> resources =
        names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
    // A topic created a moment ago (by us or a racing service) is listed before every broker's
    // metadata knows it: wait for the metadata, within the timeout.
    Retry untilKnown =
        Retry.builder()
            .maxAttempts(Integer.MAX_VALUE)
            .timeout(timeout)
            .delay(METADATA_RETRY)
            .retryOn(e -> e.getCause() instanceof UnknownTopicOrPartitionException)
            .rethrowLastError()
            .build();
    Described described =
        untilKnown.call(
            "describe topics " + names,
            () ->
                new Described(
                    await(
                        admin.describeTopics(names).allTopicNames(),
                        timeout,
                        "describe topics " + names),
                    await(
                        admin.describeConfigs(resources).all(),
                        timeout,
                        "describe configs of " + names)));
    Map<String, TopicDescription> descriptions = described.topics();
    Map<ConfigResource, Config> configs = described.configs();
    for (Topic<?, ?> topic : topics) {
      List<EnsureReport.Mismatch> found =
          compare(
              topic,
              descriptions.get(topic.name()),
              configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic.name())),
              replicationFactor);
      if (found.isEmpty()) {
        alreadyOk.add(topic.name());
      }
      mismatches.addAll(found);
    }
  }

  static List<EnsureReport.Mismatch> compare(
      Topic<?, ?> topic, TopicDescription description, Config config, short replicationFactor) {
    List<EnsureReport.Mismatch> found = new ArrayList<>();
    int partitions = description.partitions().size();
    if (partitions != topic.partitions()) {
      found.add(mismatch(topic, "partitions", topic.partitions(), partitions));
    }
    int replicas = description.partitions().get(0).replicas().size();
    if (replicas != replicationFactor) {
      found.add(mismatch(topic, "replication.factor", replicationFactor, replicas));
    }
    for (Map.Entry<String, String> expected : topic.configs().entrySet()) {
      ConfigEntry entry = config == null ? null : config.get(expected.getKey());
      String actual = entry == null ? null : entry.value();
      if (!sameValue(expected.getKey(), expected.getValue(), actual)) {
        found.add(mismatch(topic, expected.getKey(), expected.getValue(), actual));
      }
    }
    return found;
  }

  private static boolean sameValue(String key, String expected, String actual) {
    if (actual == null) {
      return false;
    }
    if (key.equals(TopicConfig.CLEANUP_POLICY_CONFIG)) {
      // "compact,delete" and "delete,compact" are one policy.
      return policies(expected).equals(policies(actual));
    }
    return expected.trim().equals(actual.trim());
  }

  private static Set<String> policies(String value) {
    return Arrays.stream(value.split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static EnsureReport.Mismatch mismatch(
      Topic<?, ?> topic, String setting, Object expected, Object actual) {
    return new EnsureReport.Mismatch(
        topic.name(), setting, String.valueOf(expected), String.valueOf(actual));
  }

  private static List<String> sorted(List<String> names) {
    return names.stream().sorted().toList();
  }

  private static <T> T await(KafkaFuture<T> future, Duration timeout, String what) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptException(e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new KafkaException("Cannot " + what + ": " + cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new org.apache.kafka.common.errors.TimeoutException(
          "Cannot " + what + " within " + timeout, e);
    }
  }
}
