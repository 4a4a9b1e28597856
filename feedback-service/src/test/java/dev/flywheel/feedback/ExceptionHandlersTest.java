package dev.flywheel.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flywheel.schemas.DeadLetters;
import dev.flywheel.schemas.DeadLetters.DeadLetter;
import dev.flywheel.schemas.SchemaRegistryException;
import dev.flywheel.schemas.UnknownMagicByteException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

class ExceptionHandlersTest {
  private static final String DLQ = "flywheel-dead-letters";
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Map<String, Object> configs =
      Map.of(
          StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG,
          DLQ,
          HandlerConfig.METRICS,
          new FeedbackMetrics(meters));
  private final ConsumerRecord<byte[], byte[]> poison =
      new ConsumerRecord<>("flywheel-feedback", 2, 41L, bytes("p1"), bytes("garbage"));

  @Test
  void shouldParkAnUndecodableRecordWithItsCoordinates() {
    DeadLetterDeserializationHandler handler = new DeadLetterDeserializationHandler();
    handler.configure(configs);

    DeserializationExceptionHandler.Response response =
        handler.handleError(
            context(), poison, new UnknownMagicByteException("flywheel-feedback", (byte) 7));

    assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
    ProducerRecord<byte[], byte[]> letter = response.deadLetterQueueRecords().get(0);
    assertThat(letter.topic()).isEqualTo(DLQ);
    assertThat(letter.value()).isEqualTo(bytes("garbage"));
    DeadLetter headers = DeadLetters.read(letter.headers()).orElseThrow();
    assertThat(headers.sourcePartition()).isEqualTo(2);
    assertThat(headers.sourceOffset()).isEqualTo(41L);
    assertThat(headers.errorClass()).isEqualTo(UnknownMagicByteException.class.getName());
    assertThat(
            meters
                .get("flywheel.feedback.dead.letters")
                .tag("reason", "DESERIALIZATION")
                .counter()
                .count())
        .isEqualTo(1.0);
  }

  @Test
  void shouldFailInsteadOfParkingWhenTheRegistryCannotBeReached() {
    DeadLetterDeserializationHandler handler = new DeadLetterDeserializationHandler();
    handler.configure(configs);

    DeserializationExceptionHandler.Response unreachable =
        handler.handleError(
            context(), poison, new SchemaRegistryException("connection refused", -1, -1));
    DeserializationExceptionHandler.Response timeout =
        handler.handleError(context(), poison, new TimeoutException("slow"));

    assertThat(unreachable.result()).isEqualTo(DeserializationExceptionHandler.Result.FAIL);
    assertThat(timeout.result()).isEqualTo(DeserializationExceptionHandler.Result.FAIL);
    assertThat(unreachable.deadLetterQueueRecords()).isEmpty();
  }

  @Test
  void shouldRefuseToStartWithoutTheDeadLetterTopic() {
    assertThatThrownBy(() -> new DeadLetterDeserializationHandler().configure(Map.of()))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void shouldFailOnEveryProcessingException() {
    ProcessingExceptionHandler handler = new FailingProcessingExceptionHandler();
    handler.configure(Map.of());

    ProcessingExceptionHandler.Response response =
        handler.handleError(
            context(), new Record<>("k", "v", 0L), new IllegalStateException("a bug"));

    assertThat(response.result()).isEqualTo(ProcessingExceptionHandler.Result.FAIL);
  }

  @Test
  void shouldParkTheInputOfAnOutputTooLargeForTheBroker() {
    DeadLetterProductionExceptionHandler handler = new DeadLetterProductionExceptionHandler();
    handler.configure(configs);
    ProducerRecord<byte[], byte[]> output =
        new ProducerRecord<>("flywheel-examples", bytes("k"), new byte[10]);

    ProductionExceptionHandler.Response tooLarge =
        handler.handleError(context(), output, new RecordTooLargeException("too large"));
    ProductionExceptionHandler.Response other =
        handler.handleError(context(), output, new TimeoutException("broker down"));

    assertThat(tooLarge.result()).isEqualTo(ProductionExceptionHandler.Result.RESUME);
    assertThat(tooLarge.deadLetterQueueRecords().get(0).value()).isEqualTo(bytes("raw value"));
    assertThat(other.result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static ErrorHandlerContext context() {
    return new ErrorHandlerContext() {
      @Override
      public String topic() {
        return "flywheel-feedback";
      }

      @Override
      public int partition() {
        return 2;
      }

      @Override
      public long offset() {
        return 41L;
      }

      @Override
      public Headers headers() {
        return new RecordHeaders();
      }

      @Override
      public String processorNodeId() {
        return "feedback-intake";
      }

      @Override
      public TaskId taskId() {
        return new TaskId(0, 2);
      }

      @Override
      public long timestamp() {
        return 0L;
      }

      @Override
      public byte[] sourceRawKey() {
        return bytes("raw key");
      }

      @Override
      public byte[] sourceRawValue() {
        return bytes("raw value");
      }
    };
  }
}
