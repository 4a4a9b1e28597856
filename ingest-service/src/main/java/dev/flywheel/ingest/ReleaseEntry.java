package dev.flywheel.ingest;

import dev.flywheel.events.ModelReleased;

/** A release as read from the releases topic, with its Kafka position. */
record ReleaseEntry(int partition, long offset, ModelReleased release) {
  /** {@code partition-offset}, e.g. {@code 0-17}. */
  String position() {
    return partition + "-" + offset;
  }

  String model() {
    return release.getModel().getModel();
  }

  int version() {
    return release.getModel().getVersion();
  }
}
