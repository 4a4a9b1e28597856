package dev.flywheel.platform;

import dev.flywheel.embedded.EmbeddedKafka;
import dev.flywheel.embedded.EmbeddedSchemaRegistry;
import dev.flywheel.schemas.EnsureReport;
import dev.flywheel.schemas.SchemaRegistryClient;
import dev.flywheel.schemas.TopicEnsurer;
import dev.flywheel.schemas.Topics;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded broker and schema registry with every topic of the catalogue created: what {@code
 * flywheel infra}, {@code up} and {@code demo} stand on. Closing stops the registry, then the
 * broker.
 */
final class EmbeddedStack implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStack.class);

  private final EmbeddedKafka kafka;
  private final EmbeddedSchemaRegistry registry;
  private final String prefix;

  private EmbeddedStack(EmbeddedKafka kafka, EmbeddedSchemaRegistry registry, String prefix) {
    this.kafka = kafka;
    this.registry = registry;
    this.prefix = prefix;
  }

  static EmbeddedStack start(InfraOptions options) {
    return start(options.dataDir(), options.kafkaPort, options.registryPort, options.prefix());
  }

  static EmbeddedStack start(Path dataDir, int kafkaPort, int registryPort, String prefix) {
    DataDirectory.ensurePrivate(dataDir);
    EmbeddedKafka kafka =
        EmbeddedKafka.builder().dataDir(dataDir.resolve("kafka")).port(kafkaPort).build().start();
    EmbeddedSchemaRegistry registry = null;
    try {
      registry =
          EmbeddedSchemaRegistry.builder(kafka.bootstrapServers())
              .port(registryPort)
              .build()
              .start();
      EmbeddedStack stack = new EmbeddedStack(kafka, registry, prefix);
      stack.ensureTopics();
      return stack;
    } catch (RuntimeException e) {
      if (registry != null) {
        registry.close();
      }
      kafka.close();
      throw e;
    }
  }

  private void ensureTopics() {
    try (SchemaRegistryClient client = SchemaRegistryClient.create(registry.url());
        Admin admin =
            Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      EnsureReport report = TopicEnsurer.ensure(admin, Topics.create(prefix, client), (short) 1);
      if (!report.isClean()) {
        LOG.warn("Existing topics differ from the catalogue: {}", report.mismatches());
      }
    }
  }

  String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  String registryUrl() {
    return registry.url();
  }

  String prefix() {
    return prefix;
  }

  @Override
  public void close() {
    try {
      registry.close();
    } finally {
      kafka.close();
    }
  }
}
