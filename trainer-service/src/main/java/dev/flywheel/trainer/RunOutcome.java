package dev.flywheel.trainer;

import dev.flywheel.events.ModelCandidate;
import dev.flywheel.events.TrainingFailed;

/** How a run ended, as the polling thread turns it into a transaction. */
sealed interface RunOutcome {

  /** A candidate to publish; the claim's requests are served. */
  record Trained(ModelCandidate candidate) implements RunOutcome {}

  /**
   * A failure to publish. When {@code retry}, the request stays uncommitted and is tried again
   * later; otherwise it is served (a final failure, or dead-lettered after the last attempt).
   */
  record Failed(TrainingFailed failure, boolean retry, Throwable cause) implements RunOutcome {}

  /** A committed outcome already covers the head request (a redelivery): commit and move on. */
  record AlreadyServed() implements RunOutcome {}

  /**
   * The run stopped early (shutdown, lost partition); its last checkpoint stays for the next try.
   */
  record Cancelled(String why) implements RunOutcome {}
}
