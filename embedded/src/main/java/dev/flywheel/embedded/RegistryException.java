package dev.flywheel.embedded;

/**
 * A failed registry request, carrying the HTTP status and the Confluent {@code error_code} that the
 * client receives. Codes follow Confluent Schema Registry's documented error list.
 */
final class RegistryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final int errorCode;

  RegistryException(int status, int errorCode, String message) {
    super(message, null, false, false);
    this.status = status;
    this.errorCode = errorCode;
  }

  int status() {
    return status;
  }

  int errorCode() {
    return errorCode;
  }

  static RegistryException subjectNotFound(String subject) {
    return new RegistryException(404, 40401, "Subject '" + subject + "' not found.");
  }

  static RegistryException versionNotFound(int version) {
    return new RegistryException(404, 40402, "Version " + version + " not found.");
  }

  static RegistryException schemaIdNotFound(String id) {
    return new RegistryException(404, 40403, "Schema " + id + " not found");
  }

  static RegistryException schemaNotFound() {
    return new RegistryException(404, 40403, "Schema not found");
  }

  static RegistryException subjectSoftDeleted(String subject) {
    return new RegistryException(
        404,
        40404,
        "Subject '" + subject + "' was soft deleted. Set permanent=true to delete permanently");
  }

  static RegistryException subjectLevelNotConfigured(String subject) {
    return new RegistryException(
        404,
        40408,
        "Subject '" + subject + "' does not have subject-level compatibility configured");
  }

  static RegistryException incompatible(String subject, String details) {
    return new RegistryException(
        409,
        409,
        "Schema being registered is incompatible with an earlier schema for subject \""
            + subject
            + "\", details: "
            + details);
  }

  static RegistryException invalidSchema(String reason) {
    return new RegistryException(422, 42201, "Invalid schema: " + reason);
  }

  static RegistryException invalidVersion(String version) {
    return new RegistryException(
        422,
        42202,
        "The specified version '"
            + version
            + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string"
            + " \"latest\"");
  }

  static RegistryException invalidCompatibilityLevel() {
    return new RegistryException(
        422,
        42203,
        "Invalid compatibility level. Valid values are none, backward, forward, full,"
            + " backward_transitive, forward_transitive, and full_transitive");
  }

  static RegistryException malformedJson(String reason) {
    return new RegistryException(400, 400, "Malformed JSON request body: " + reason);
  }

  static RegistryException unprocessable(String reason) {
    return new RegistryException(422, 422, reason);
  }

  static RegistryException storeError(String reason) {
    return new RegistryException(500, 50001, "Error in the backend datastore: " + reason);
  }

  static RegistryException timeout(String reason) {
    return new RegistryException(500, 50002, "Operation timed out: " + reason);
  }

  static RegistryException unavailable(String reason) {
    return new RegistryException(503, 50003, reason);
  }
}
