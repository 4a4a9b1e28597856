package dev.flywheel.common.kafka;

/** How to react to an error; see {@link ErrorClassifier}. */
public enum ErrorKind {
  /**
   * The client or process cannot go on (fenced, unauthorized, sequence broken): close the client
   * and stop or recreate it; retrying the same call cannot succeed.
   */
  FATAL,
  /** A transient condition (timeout, leader change, broker down): retry after a delay. */
  RETRIABLE,
  /**
   * This input can never succeed (cannot be serialized, too large): do not retry it; reject it or
   * send it to the dead-letter topic, and carry on with the next.
   */
  PERMANENT
}
