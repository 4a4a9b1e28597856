package dev.flywheel.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.flywheel.schemas.Retry;
import dev.flywheel.schemas.RetryException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ErrorClassifierTest {
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(new ProducerFencedException("fenced"), ErrorKind.FATAL),
        Arguments.of(new InvalidProducerEpochException("epoch"), ErrorKind.FATAL),
        Arguments.of(new OutOfOrderSequenceException("seq"), ErrorKind.FATAL),
        Arguments.of(new TopicAuthorizationException("no"), ErrorKind.FATAL),
        Arguments.of(new ClusterAuthorizationException("no"), ErrorKind.FATAL),
        Arguments.of(new AuthenticationException("bad password"), ErrorKind.FATAL),
        Arguments.of(new UnsupportedVersionException("old broker"), ErrorKind.FATAL),
        Arguments.of(new InterruptException("interrupted"), ErrorKind.FATAL),
        Arguments.of(new TimeoutException("metadata"), ErrorKind.RETRIABLE),
        Arguments.of(new NotEnoughReplicasException("isr"), ErrorKind.RETRIABLE),
        Arguments.of(new NetworkException("down"), ErrorKind.RETRIABLE),
        Arguments.of(new UnknownTopicOrPartitionException("new topic"), ErrorKind.RETRIABLE),
        Arguments.of(new TransactionAbortableException("abort"), ErrorKind.RETRIABLE),
        Arguments.of(new java.util.concurrent.TimeoutException("future"), ErrorKind.RETRIABLE),
        Arguments.of(new ConnectException("refused"), ErrorKind.RETRIABLE),
        Arguments.of(new SerializationException("bad avro"), ErrorKind.PERMANENT),
        Arguments.of(new RecordTooLargeException("2 MB"), ErrorKind.PERMANENT),
        Arguments.of(new IllegalArgumentException("unknown"), ErrorKind.PERMANENT),
        Arguments.of(new KafkaException("bare"), ErrorKind.PERMANENT));
  }

  @ParameterizedTest(name = "{0} is {1}")
  @MethodSource("cases")
  void shouldClassifyEachKnownError(Throwable error, ErrorKind expected) {
    assertThat(ErrorClassifier.classify(error)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "wrapped {0} is {1}")
  @MethodSource("cases")
  void shouldSeeThroughWrappers(Throwable error, ErrorKind expected) {
    Throwable wrapped =
        new ExecutionException(new StreamsException(new KafkaException("wrapper", error)));

    assertThat(ErrorClassifier.classify(wrapped)).isEqualTo(expected);
    assertThat(ErrorClassifier.classify(new CompletionException(wrapped))).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void shouldLetTheOuterKnownErrorDecide() {
    Throwable fatalOverRetriable = new ProducerFencedException("x");
    fatalOverRetriable.initCause(new TimeoutException("inner"));

    assertThat(ErrorClassifier.isFatal(fatalOverRetriable)).isTrue();
    assertThat(ErrorClassifier.isRetriable(new KafkaException(new TimeoutException("t")))).isTrue();
  }

  @org.junit.jupiter.api.Test
  void shouldSeeThroughARetryException() {
    Throwable gaveUp =
        catchThrowable(
            () ->
                Retry.builder()
                    .maxAttempts(1)
                    .build()
                    .run(
                        "send",
                        () -> {
                          throw new SerializationException("bad record");
                        }));

    assertThat(gaveUp).isInstanceOf(RetryException.class);
    assertThat(ErrorClassifier.classify(gaveUp)).isEqualTo(ErrorKind.PERMANENT);
  }
}
