package dev.flywheel.common.kafka;

import dev.flywheel.schemas.RetryException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.ApplicationRecoverableException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * Classifies errors from Kafka clients (and the HTTP calls around them) as {@link ErrorKind#FATAL},
 * {@link ErrorKind#RETRIABLE} or {@link ErrorKind#PERMANENT}, instead of catching them wholesale.
 *
 * <p>Wrappers ({@code ExecutionException}, {@code CompletionException}, a bare {@code
 * KafkaException}, {@code StreamsException}, {@link RetryException}) say nothing by themselves, so
 * the cause chain is walked and the first exception with a known kind decides. An error of no known
 * kind is {@link ErrorKind#PERMANENT}: retrying the unknown forever hides bugs.
 *
 * <p>For a transactional producer, a {@link ErrorKind#RETRIABLE} {@code
 * TransactionAbortableException} means: abort the transaction, then retry it.
 */
public final class ErrorClassifier {
  private ErrorClassifier() {}

  /** The kind of {@code error}, judged by the first classifiable exception in its cause chain. */
  public static ErrorKind classify(Throwable error) {
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    for (Throwable t = error; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
      Optional<ErrorKind> kind = direct(t);
      if (kind.isPresent()) {
        return kind.get();
      }
    }
    return ErrorKind.PERMANENT;
  }

  /** Whether retrying after a delay may succeed. */
  public static boolean isRetriable(Throwable error) {
    return classify(error) == ErrorKind.RETRIABLE;
  }

  /** Whether the client or process must stop. */
  public static boolean isFatal(Throwable error) {
    return classify(error) == ErrorKind.FATAL;
  }

  private static Optional<ErrorKind> direct(Throwable t) {
    if (isFatalType(t)) {
      return Optional.of(ErrorKind.FATAL);
    }
    if (isPermanentType(t)) {
      return Optional.of(ErrorKind.PERMANENT);
    }
    if (isRetriableType(t)) {
      return Optional.of(ErrorKind.RETRIABLE);
    }
    return Optional.empty();
  }

  private static boolean isFatalType(Throwable t) {
    // ProducerFencedException is an ApplicationRecoverableException too: the producer must be
    // closed and recreated, which from the failing call's point of view is fatal.
    return t instanceof ProducerFencedException
        || t instanceof ApplicationRecoverableException
        || t instanceof FencedInstanceIdException
        || t instanceof TransactionCoordinatorFencedException
        || t instanceof OutOfOrderSequenceException
        || t instanceof AuthorizationException
        || t instanceof AuthenticationException
        || t instanceof UnsupportedVersionException
        || t instanceof ConfigException
        || t instanceof InterruptException
        || t instanceof InterruptedException
        || t instanceof Error;
  }

  private static boolean isPermanentType(Throwable t) {
    return t instanceof SerializationException
        || t instanceof RecordTooLargeException
        || t instanceof RecordBatchTooLargeException
        || t instanceof InvalidRecordException
        || t instanceof InvalidTopicException
        || t instanceof PolicyViolationException
        || t instanceof InvalidConfigurationException;
  }

  private static boolean isRetriableType(Throwable t) {
    return t instanceof RetriableException
        || t instanceof TransactionAbortableException
        || t instanceof java.util.concurrent.TimeoutException
        || t instanceof ConnectException
        || t instanceof SocketTimeoutException
        || t instanceof HttpTimeoutException;
  }
}
