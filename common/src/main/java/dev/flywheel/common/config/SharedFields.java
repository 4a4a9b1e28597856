package dev.flywheel.common.config;

import dev.flywheel.schemas.Topics;

/**
 * Settings every service reads under the same key, defined once so that one environment (one
 * process running several services, or one ConfigMap) means the same thing to all of them.
 */
public final class SharedFields {
  /** {@code topics.prefix}: the installation prefix of every topic name. */
  public static final Field<String> TOPICS_PREFIX =
      Field.ofString("topics.prefix")
          .withDefault(Topics.DEFAULT_PREFIX)
          .withValidator(Validators.matches("[a-zA-Z0-9._-]+"))
          .withDoc("Prefix of every topic name, so several installations can share a cluster.");

  /** {@code schema.registry.url}: the Confluent-compatible schema registry. */
  public static final Field<String> SCHEMA_REGISTRY_URL =
      Field.ofString("schema.registry.url")
          .withValidator(Validators.notBlank())
          .withDoc("Base URL of the Confluent-compatible schema registry.");

  /**
   * {@code management.host}: the interface every management server (health, metrics) binds. Only
   * loopback by default: metrics and health need not be reachable from other machines unless the
   * operator says so (containers set {@code 0.0.0.0}, so that probes and Prometheus reach them).
   */
  public static final Field<String> MANAGEMENT_HOST =
      Field.ofString("management.host")
          .withDefault("127.0.0.1")
          .withValidator(Validators.notBlank())
          .withDoc(
              "Interface of the management port (/health, /metrics); loopback by default,"
                  + " 0.0.0.0 in containers.");

  /**
   * {@code artifacts.uri}: the root of the artifact store, one setting for every service that
   * touches model bundles. The trainer writes bundles and checkpoints under it; the evaluator and
   * the gateway read through it. Optional here: a reader without it opens {@code file:} artifact
   * URIs directly, and the trainer falls back to a directory under the temporary directory.
   */
  public static final Field<String> ARTIFACTS_URI =
      Field.ofString("artifacts.uri")
          .optional()
          .withValidator(Validators.notBlank())
          .withDoc(
              "Root URI of the artifact store of model bundles and training checkpoints"
                  + " (file:/path, a plain path, or a scheme an artifact store provider serves),"
                  + " shared by the trainer (writes) and the evaluator and gateway (read); unset,"
                  + " readers open file: URIs directly and the trainer writes under the"
                  + " temporary directory.");

  private SharedFields() {}
}
