package dev.flywheel.trainer;

import dev.flywheel.events.ModelReleased;
import dev.flywheel.events.ModelSpec;
import dev.flywheel.schemas.Topics;
import java.time.Clock;

/** What every run of one process shares: configuration, topics, views, stores and meters. */
record RunContext(
    TrainerConfig config,
    Topics topics,
    LatestByKey<ModelSpec> specs,
    LatestByKey<ModelReleased> releases,
    OutcomeLedger ledger,
    Artifacts artifacts,
    ProgressPublisher progress,
    TrainerMetrics metrics,
    String device,
    Clock clock) {}
