package dev.flywheel.platform.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flywheel.schemas.ExampleIds;
import dev.flywheel.slm.Example;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An app uploading labelled examples in batches to one or more gateways in turn, as a careful
 * client does: every item carries its own idempotency id, and a batch that gets no 202 (an error, a
 * timeout, a gateway gone) is sent again, unchanged, to another gateway until it is acknowledged; a
 * gateway that failed is skipped for two seconds. What was acknowledged, and when, is recorded so
 * that a test can count what the topics lost.
 */
public final class ExampleSender implements Runnable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<String> gateways;
  private final String apiKey;
  private final String model;
  private final List<Example> examples;
  private final int batchSize;
  private final int limit;
  private final double itemsPerSecond;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final long AVOID_NANOS = 2_000_000_000L;

  private final AtomicBoolean running = new AtomicBoolean(true);
  private final long[] downUntil;
  private int cursor;
  private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
  private final ConcurrentLinkedQueue<Long> ackTimes = new ConcurrentLinkedQueue<>();
  private volatile int failedAttempts;
  private volatile boolean done;

  /**
   * An app that uploads {@code limit} items (cycling through {@code examples}, with a numbered text
   * on later rounds so every text stays new) at no more than {@code itemsPerSecond} (0: as fast as
   * the gateways answer).
   */
  public ExampleSender(
      List<String> gateways,
      String apiKey,
      String model,
      List<Example> examples,
      int batchSize,
      int limit,
      double itemsPerSecond) {
    this.gateways = List.copyOf(gateways);
    this.apiKey = apiKey;
    this.model = model;
    this.examples = List.copyOf(examples);
    this.batchSize = batchSize;
    this.limit = limit;
    this.itemsPerSecond = itemsPerSecond;
    this.downUntil = new long[gateways.size()];
  }

  /**
   * The examples with distinct texts as Flywheel tells them apart (an example's id is its model and
   * its normalised text: NFKC, lower case), in a seeded order.
   */
  public static List<Example> distinctTexts(List<Example> examples, long seed) {
    Map<String, Example> byText = new java.util.LinkedHashMap<>();
    for (Example example : examples) {
      byText.putIfAbsent(ExampleIds.of("", example.text()), example);
    }
    List<Example> distinct = new ArrayList<>(byText.values());
    java.util.Collections.shuffle(distinct, new java.util.Random(seed));
    return distinct;
  }

  @Override
  public void run() {
    long start = System.nanoTime();
    for (int from = 0; from < limit && running.get(); from += batchSize) {
      pace(start, from);
      byte[] body = body(from, Math.min(limit, from + batchSize));
      while (running.get()) {
        int gateway = nextGateway();
        if (send(gateways.get(gateway), body)) {
          break;
        }
        failedAttempts++;
        // A gateway that failed is left alone for a while; the batch goes to another at once.
        downUntil[gateway] = System.nanoTime() + AVOID_NANOS;
        if (nextGatewayUp() < 0) {
          sleep(200);
        }
      }
    }
    done = true;
  }

  /** Round robin over the gateways not recently failed; all of them when every one failed. */
  private int nextGateway() {
    int up = nextGatewayUp();
    int chosen = up >= 0 ? up : cursor % gateways.size();
    cursor = chosen + 1;
    return chosen;
  }

  private int nextGatewayUp() {
    long now = System.nanoTime();
    for (int i = 0; i < gateways.size(); i++) {
      int candidate = (cursor + i) % gateways.size();
      if (downUntil[candidate] <= now) {
        return candidate;
      }
    }
    return -1;
  }

  private void pace(long start, int sent) {
    if (itemsPerSecond > 0) {
      long due = start + (long) (sent / itemsPerSecond * 1e9);
      long wait = due - System.nanoTime();
      if (wait > 0) {
        sleep(wait / 1_000_000);
      }
    }
  }

  private byte[] body(int from, int to) {
    List<Map<String, String>> items = new ArrayList<>();
    for (int i = from; i < to; i++) {
      Example example = examples.get(i % examples.size());
      int round = i / examples.size();
      items.add(
          Map.of(
              "text",
              round == 0 ? example.text() : example.text() + " (" + round + ")",
              "label",
              example.label(),
              "idempotency_id",
              model + "-example-" + i));
    }
    try {
      return JSON.writeValueAsBytes(items);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** True when the gateway answered 202: then every accepted item's idempotency id is recorded. */
  private boolean send(String gateway, byte[] body) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(gateway + "/v1/models/" + model + "/examples"))
            .timeout(Duration.ofSeconds(15))
            .header("Authorization", "Bearer " + apiKey)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    try {
      HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 202) {
        return false;
      }
      long now = System.nanoTime();
      for (JsonNode item : JSON.readTree(response.body()).path("results")) {
        if ("accepted".equals(item.path("status").asText())) {
          acknowledged.add(item.path("idempotency_id").asText());
          ackTimes.add(now);
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running.set(false);
      return false;
    }
  }

  private void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running.set(false);
    }
  }

  public void stop() {
    running.set(false);
  }

  public boolean done() {
    return done;
  }

  /** The idempotency ids of every item a gateway acknowledged with 202. */
  public Set<String> acknowledged() {
    return Set.copyOf(acknowledged);
  }

  public int acknowledgedCount() {
    return acknowledged.size();
  }

  /** Items acknowledged at or after {@code nanoTime}. */
  public long acknowledgedSince(long nanoTime) {
    return ackTimes.stream().filter(t -> t >= nanoTime).count();
  }

  /**
   * The longest time without any acknowledgement around {@code nanoTime} (a fault): the widest gap
   * between two consecutive acknowledgements of which the later one comes after {@code nanoTime},
   * in seconds; how long the app saw no progress.
   */
  public double longestStallSeconds(long nanoTime) {
    long[] times = ackTimes.stream().mapToLong(Long::longValue).sorted().toArray();
    long widest = 0;
    for (int i = 1; i < times.length; i++) {
      if (times[i] >= nanoTime) {
        widest = Math.max(widest, times[i] - Math.max(times[i - 1], Math.min(nanoTime, times[i])));
      }
    }
    return widest / 1e9;
  }

  /** Acknowledged items per second in {@code [from, to)} (System.nanoTime() values). */
  public double rate(long from, long to) {
    long count = ackTimes.stream().filter(t -> t >= from && t < to).count();
    return count / ((to - from) / 1e9);
  }

  public int failedAttempts() {
    return failedAttempts;
  }
}
