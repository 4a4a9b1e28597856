package dev.flywheel.feedback;

import dev.flywheel.schemas.EnsureReport;
import dev.flywheel.schemas.Topics;

/**
 * The join finds a feedback event's prediction in the task of the same partition number, so the two
 * topics must have as many partitions (and the same partitioner, Kafka's default, on the producing
 * side). TopicEnsurer only reports a topic that differs from the catalogue; here a difference would
 * lose joins silently, so the service refuses to start.
 */
final class CoPartitioning {
  private CoPartitioning() {}

  static void require(EnsureReport report, Topics topics) {
    int predictions = report.partitionsOf(topics.predictions());
    int feedback = report.partitionsOf(topics.feedback());
    if (predictions != feedback) {
      throw new IllegalStateException(
          "feedback is joined to predictions by partition, but "
              + topics.predictions().name()
              + " has "
              + predictions
              + " partitions and "
              + topics.feedback().name()
              + " has "
              + feedback
              + ": give both the same count");
    }
  }
}
