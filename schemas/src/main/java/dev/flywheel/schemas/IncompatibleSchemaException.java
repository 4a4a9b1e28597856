package dev.flywheel.schemas;

import java.util.Optional;

/**
 * The registry refused a schema because it is incompatible with the subject's earlier versions
 * under the subject's compatibility level (HTTP 409). Nothing was registered.
 */
public class IncompatibleSchemaException extends SchemaRegistryException {
  private static final long serialVersionUID = 1L;

  private final String subject;
  private final String topic;

  public IncompatibleSchemaException(
      String subject, int errorCode, int httpStatus, String registryMessage) {
    super(
        "Schema is incompatible with subject " + subject + ": " + registryMessage,
        errorCode,
        httpStatus);
    this.subject = subject;
    this.topic = null;
  }

  /** The same refusal seen while serializing a record for {@code topic}. */
  public IncompatibleSchemaException(String topic, IncompatibleSchemaException cause) {
    super(
        "Cannot write to topic "
            + topic
            + ": its schema is incompatible with subject "
            + cause.subject()
            + " ("
            + cause.getMessage()
            + ")",
        cause.errorCode(),
        cause.httpStatus(),
        cause);
    this.subject = cause.subject();
    this.topic = topic;
  }

  public String subject() {
    return subject;
  }

  /** The topic being written, when the refusal arose while serializing. */
  public Optional<String> topic() {
    return Optional.ofNullable(topic);
  }
}
