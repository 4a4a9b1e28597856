package dev.flywheel.trainer;

import dev.flywheel.common.kafka.KafkaClients;
import dev.flywheel.common.service.Parts;
import dev.flywheel.common.snapshot.ExampleSnapshotReader;
import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.events.TrainingFailed;
import dev.flywheel.schemas.Topics;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/**
 * The topics a run reads as tables, each followed by its own groupless consumer: the latest spec
 * and release per model, and the outcomes (candidates, failures) already written.
 *
 * @param specs the latest spec per model
 * @param releases the latest release per model
 * @param ledger the outcomes already written
 */
record TrainerViews(
    LatestByKey<ModelSpec> specs, LatestByKey<ModelReleased> releases, OutcomeLedger ledger) {

  /** Opens the three views, each stacked on {@code parts} for closing. */
  static TrainerViews open(TrainerConfig config, Parts parts, Admin admin) {
    Topics topics = parts.topics();
    KafkaClients clients = parts.kafkaClients();
    Duration timeout = config.readTimeout();
    LatestByKey<ModelSpec> specs =
        parts.add(
            "specs",
            new LatestByKey<>(
                new TopicFollower<>(
                    topics.modelSpecs(), views(config, clients), admin, false, timeout)));
    LatestByKey<ModelReleased> releases =
        parts.add(
            "releases",
            new LatestByKey<>(
                new TopicFollower<>(
                    topics.releases(), views(config, clients), admin, false, timeout)));
    OutcomeLedger ledger =
        parts.add(
            "outcomes",
            new OutcomeLedger(
                new TopicFollower<ModelCandidate>(
                    topics.candidates(), views(config, clients), admin, true, timeout),
                new TopicFollower<TrainingFailed>(
                    topics.trainingFailures(), views(config, clients), admin, true, timeout)));
    return new TrainerViews(specs, releases, ledger);
  }

  /** Settings of one groupless view consumer (each gets its own client id). */
  private static Map<String, Object> views(TrainerConfig config, KafkaClients clients) {
    return ExampleSnapshotReader.consumerConfig(clients.consumerConfig("views", config.groupId()));
  }
}
