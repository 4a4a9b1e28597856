package dev.flywheel.platform;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flywheel.slm.Example;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays an app and its users against the gateway, over HTTP only: it creates the model's spec,
 * uploads a seed set, then asks for predictions on texts the model has not seen and reacts as users
 * would — most don't react, some confirm a right answer, some correct a wrong one with the true
 * label, and a few are wrong themselves (label noise).
 */
final class AppSimulator implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(AppSimulator.class);
  private static final int UPLOAD_BATCH = 200;
  private static final int SEED_PER_LABEL = 10;

  /** How the simulated users behave. */
  record Behaviour(
      double predictionsPerSecond, double reactRate, double noise, long seed, int seedSize) {}

  /** Counters the console shows; updated by the simulator's thread. */
  static final class Stats {
    final AtomicLong predictions = new AtomicLong();
    final AtomicLong correctPredictions = new AtomicLong();
    final AtomicLong confirmations = new AtomicLong();
    final AtomicLong corrections = new AtomicLong();
    final AtomicLong noisy = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong seedAccepted = new AtomicLong();

    long feedback() {
      return confirmations.get() + corrections.get();
    }
  }

  private final ApiClient app;
  private final ApiClient admin;
  private final String model;
  private final Map<String, Object> spec;
  private final List<Example> seedSet;
  private final List<Example> unseen;
  private final List<String> labels;
  private final Behaviour behaviour;
  private final Random random;
  private final Stats stats = new Stats();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicBoolean exhausted = new AtomicBoolean();

  AppSimulator(
      ApiClient app,
      ApiClient admin,
      String model,
      Map<String, Object> spec,
      List<Example> dataset,
      List<String> labels,
      Behaviour behaviour) {
    this.app = app;
    this.admin = admin;
    this.model = model;
    this.spec = spec;
    this.labels = List.copyOf(labels);
    this.behaviour = behaviour;
    this.random = new Random(behaviour.seed());
    List<Example> shuffled = new ArrayList<>(dataset);
    java.util.Collections.shuffle(shuffled, new Random(behaviour.seed()));
    int seedSize = Math.min(behaviour.seedSize(), shuffled.size() / 2);
    boolean[] seeded = seedChoice(shuffled, seedSize);
    List<Example> seeds = new ArrayList<>();
    List<Example> rest = new ArrayList<>();
    for (int i = 0; i < shuffled.size(); i++) {
      (seeded[i] ? seeds : rest).add(shuffled.get(i));
    }
    this.seedSet = List.copyOf(seeds);
    this.unseen = List.copyOf(rest);
  }

  /**
   * Which examples form the seed set: the first {@value #SEED_PER_LABEL} of every label (as an app
   * seeds every label it declares, so the first training run has each one even when a label is
   * rare), then the first others, in shuffled order, up to {@code seedSize}.
   */
  private static boolean[] seedChoice(List<Example> shuffled, int seedSize) {
    boolean[] seeded = new boolean[shuffled.size()];
    Map<String, Integer> perLabel = new HashMap<>();
    int chosen = 0;
    for (int i = 0; i < shuffled.size() && chosen < seedSize; i++) {
      if (perLabel.merge(shuffled.get(i).label(), 1, Integer::sum) <= SEED_PER_LABEL) {
        seeded[i] = true;
        chosen++;
      }
    }
    for (int i = 0; i < shuffled.size() && chosen < seedSize; i++) {
      if (!seeded[i]) {
        seeded[i] = true;
        chosen++;
      }
    }
    return seeded;
  }

  Stats stats() {
    return stats;
  }

  int seedSize() {
    return seedSet.size();
  }

  /** The labeled examples {@link #setUp} uploads. */
  List<Example> seedSet() {
    return seedSet;
  }

  /** How many texts the app asks about once a version serves (the dataset less the seed set). */
  int unseenSize() {
    return unseen.size();
  }

  /** True once every unseen text has been asked about: the app has nothing left to send. */
  boolean exhausted() {
    return exhausted.get();
  }

  void stop() {
    running.set(false);
  }

  /** Creates the model and uploads the seed set; returns once Kafka acknowledged both. */
  void setUp() throws IOException, InterruptedException {
    ApiClient.Answer created = admin.put("/v1/models/" + model, spec);
    if (!created.ok()) {
      throw new IllegalStateException("Creating the model failed: " + created.describe());
    }
    for (int from = 0; from < seedSet.size(); from += UPLOAD_BATCH) {
      List<Map<String, String>> batch = new ArrayList<>();
      for (Example example : seedSet.subList(from, Math.min(seedSet.size(), from + UPLOAD_BATCH))) {
        batch.add(Map.of("text", example.text(), "label", example.label()));
      }
      ApiClient.Answer answer = app.post("/v1/models/" + model + "/examples", batch);
      if (!answer.ok()) {
        throw new IllegalStateException("Uploading the seed set failed: " + answer.describe());
      }
      stats.seedAccepted.addAndGet(answer.body().path("accepted").asLong());
    }
  }

  /** Asks for predictions and reacts to them until stopped; waits while no version serves. */
  @Override
  public void run() {
    long intervalNanos = (long) (1_000_000_000L / behaviour.predictionsPerSecond());
    long next = System.nanoTime();
    int cursor = 0;
    while (running.get() && cursor < unseen.size()) {
      try {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        next += intervalNanos;
        if (predictAndReact(unseen.get(cursor))) {
          cursor++;
        } else {
          Thread.sleep(500);
          next = System.nanoTime();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (IOException e) {
        LOG.warn("The simulated app could not reach the gateway: {}", e.toString());
        stats.rejected.incrementAndGet();
      }
    }
    if (cursor >= unseen.size()) {
      exhausted.set(true);
    }
  }

  /** Returns false while no version is released (the gateway answers 503). */
  private boolean predictAndReact(Example example) throws IOException, InterruptedException {
    ApiClient.Answer answer =
        app.post("/v1/models/" + model + "/predict", Map.of("text", example.text()));
    if (answer.status() == 503) {
      return false;
    }
    if (!answer.ok()) {
      stats.rejected.incrementAndGet();
      LOG.warn("Prediction refused: {}", answer.describe());
      return true;
    }
    JsonNode prediction = answer.body().path("predictions").path(0);
    stats.predictions.incrementAndGet();
    String predicted = prediction.path("label").asText();
    boolean right = predicted.equals(example.label());
    if (right) {
      stats.correctPredictions.incrementAndGet();
    }
    if (random.nextDouble() >= behaviour.reactRate()) {
      return true;
    }
    react(prediction.path("prediction_id").asText(), predicted, example.label(), right);
    return true;
  }

  private void react(String predictionId, String predicted, String truth, boolean right)
      throws IOException, InterruptedException {
    Map<String, Object> feedback = new LinkedHashMap<>();
    feedback.put("prediction_id", predictionId);
    boolean noisy = random.nextDouble() < behaviour.noise();
    if (noisy) {
      stats.noisy.incrementAndGet();
      String wrong = otherLabel(truth);
      if (wrong.equals(predicted)) {
        feedback.put("kind", "thumbs_up");
      } else {
        feedback.put("kind", "correction");
        feedback.put("label", wrong);
      }
    } else if (right) {
      feedback.put("kind", "thumbs_up");
    } else {
      feedback.put("kind", "correction");
      feedback.put("label", truth);
    }
    ApiClient.Answer answer = app.post("/v1/feedback", feedback);
    if (!answer.ok()) {
      stats.rejected.incrementAndGet();
      LOG.warn("Feedback refused: {}", answer.describe());
    } else if ("thumbs_up".equals(feedback.get("kind"))) {
      stats.confirmations.incrementAndGet();
    } else {
      stats.corrections.incrementAndGet();
    }
  }

  private String otherLabel(String label) {
    String other = label;
    while (other.equals(label)) {
      other = labels.get(random.nextInt(labels.size()));
    }
    return other;
  }
}
