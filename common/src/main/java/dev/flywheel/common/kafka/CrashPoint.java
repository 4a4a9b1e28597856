package dev.flywheel.common.kafka;

import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A fault hook for crash tests: with {@code FLYWHEEL_CRASH_BEFORE_COMMIT=<topic>} in its
 * environment, a process halts (as {@code kill -9} would stop it: no shutdown hooks, nothing
 * flushed or closed) right before it commits the first transaction that writes to that topic, after
 * the transaction's records reached the brokers. That is the one moment a test cannot aim at from
 * outside: between a service's decision and its commit. Unset (always, outside tests), it costs one
 * comparison per transaction.
 */
public final class CrashPoint {
  /** The environment variable that arms it. */
  public static final String ENV = "FLYWHEEL_CRASH_BEFORE_COMMIT";

  /** The exit status of the halt: a {@code kill -9}'s as a shell reports it. */
  public static final int EXIT_STATUS = 137;

  private final Optional<String> topic;

  CrashPoint(Optional<String> topic) {
    this.topic = topic.filter(t -> !t.isBlank());
  }

  /** The crash point the environment arms, if any. */
  static CrashPoint fromEnvironment() {
    return new CrashPoint(Optional.ofNullable(System.getenv(ENV)));
  }

  /** True when a transaction writing {@code out} must not be committed. */
  boolean armedFor(List<ProducerRecord<byte[], byte[]>> out) {
    if (topic.isEmpty()) {
      return false;
    }
    for (ProducerRecord<byte[], byte[]> r : out) {
      if (r.topic().equals(topic.get())) {
        return true;
      }
    }
    return false;
  }

  /** Halts the JVM, saying why on standard error first. */
  void halt() {
    System.err.println(
        "CrashPoint: halting before committing a transaction that writes to "
            + topic.orElseThrow()
            + " ("
            + ENV
            + ")");
    System.err.flush();
    Runtime.getRuntime().halt(EXIT_STATUS);
  }
}
