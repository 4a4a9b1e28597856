package dev.flywheel.schemas;

import java.util.Optional;

/**
 * The registry knows no schema under an id (HTTP 404, error code 40403): a record was written
 * against another registry, or the registry lost its schemas topic.
 */
public class UnknownSchemaIdException extends SchemaRegistryException {
  private static final long serialVersionUID = 1L;

  private final int schemaId;
  private final String topic;

  public UnknownSchemaIdException(
      int schemaId, int errorCode, int httpStatus, String registryMessage) {
    super(
        "Schema id " + schemaId + " is unknown to the schema registry: " + registryMessage,
        errorCode,
        httpStatus);
    this.schemaId = schemaId;
    this.topic = null;
  }

  /** The same error seen while deserializing a record of {@code topic}. */
  public UnknownSchemaIdException(String topic, UnknownSchemaIdException cause) {
    super(
        "Record of topic "
            + topic
            + " was written with schema id "
            + cause.schemaId()
            + ", which the schema registry does not know",
        cause.errorCode(),
        cause.httpStatus(),
        cause);
    this.schemaId = cause.schemaId();
    this.topic = topic;
  }

  public int schemaId() {
    return schemaId;
  }

  /** The topic of the record that named the id, when the error arose while deserializing. */
  public Optional<String> topic() {
    return Optional.ofNullable(topic);
  }
}
