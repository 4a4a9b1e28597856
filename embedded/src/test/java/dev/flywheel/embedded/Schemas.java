package dev.flywheel.embedded;

/** Avro schemas the registry tests register: a record and the ways it can change. */
final class Schemas {
  static final String USER_V1 =
      "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"test\",\"fields\":["
          + "{\"name\":\"name\",\"type\":\"string\"}]}";

  /** Adds a field with a default: a BACKWARD-compatible change. */
  static final String USER_V2_WITH_DEFAULT =
      "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"test\",\"fields\":["
          + "{\"name\":\"name\",\"type\":\"string\"},"
          + "{\"name\":\"email\",\"type\":\"string\",\"default\":\"\"}]}";

  /** Adds a field without a default: a new reader cannot read old data. */
  static final String USER_ADDS_REQUIRED_FIELD =
      "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"test\",\"fields\":["
          + "{\"name\":\"name\",\"type\":\"string\"},"
          + "{\"name\":\"age\",\"type\":\"int\"}]}";

  /** Changes a field's type from string to int. */
  static final String USER_NAME_AS_INT =
      "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"test\",\"fields\":["
          + "{\"name\":\"name\",\"type\":\"int\"}]}";

  private Schemas() {}

  /** A record schema no other test registers, so that each test gets fresh ids. */
  static String unique(String recordName) {
    return "{\"type\":\"record\",\"name\":\""
        + recordName
        + "\",\"namespace\":\"test\",\"fields\":[{\"name\":\"value\",\"type\":\"string\"}]}";
  }
}
