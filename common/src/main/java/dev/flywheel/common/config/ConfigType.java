package dev.flywheel.common.config;

/** The value types a {@link Field} can have; the name appears in documentation and errors. */
public enum ConfigType {
  STRING("string"),
  INT("int"),
  LONG("long"),
  DOUBLE("double"),
  BOOLEAN("boolean"),
  DURATION("duration"),
  LIST("list"),
  PASSWORD("password");

  private final String label;

  ConfigType(String label) {
    this.label = label;
  }

  /** The lower-case name used in messages, e.g. {@code "duration"}. */
  public String label() {
    return label;
  }
}
