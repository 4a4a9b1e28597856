package dev.flywheel.feedback;

import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exception thrown while processing is a bug or an outage, never bad input: the topology turns
 * bad input into dead letters itself. So the handler logs where it happened and fails; the
 * uncaught-exception handler then shuts the client down ({@code SHUTDOWN_CLIENT}), liveness fails
 * and the orchestrator restarts the service, which resumes from the last committed transaction.
 */
public final class FailingProcessingExceptionHandler implements ProcessingExceptionHandler {
  private static final Logger LOG =
      LoggerFactory.getLogger(FailingProcessingExceptionHandler.class);

  @Override
  public void configure(Map<String, ?> configs) {
    // Nothing to configure: the answer is always to fail.
  }

  @Override
  public Response handleError(
      ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
    LOG.error(
        "Processing failed in {} of task {} on {}-{}@{}; stopping",
        context.processorNodeId(),
        context.taskId(),
        context.topic(),
        context.partition(),
        context.offset(),
        exception);
    return Response.fail();
  }
}
