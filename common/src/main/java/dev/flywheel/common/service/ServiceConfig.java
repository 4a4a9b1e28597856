package dev.flywheel.common.service;

import dev.flywheel.common.kafka.KafkaClients;
import dev.flywheel.schemas.TopicEnsurer;
import java.time.Duration;

/**
 * What the {@link ServiceSkeleton} reads from every service's configuration record, whatever else
 * the record holds: where the schema registry and the topics are, the Kafka client factory, and the
 * management port. The service configs implement it with their own record components.
 */
public interface ServiceConfig {
  /** Base URL of the schema registry. */
  String registryUrl();

  /** The installation prefix of every topic name. */
  String topicPrefix();

  /** Interface the management server binds. */
  String managementHost();

  /** Port of the management server (0 picks a free one). */
  int managementPort();

  /** The Kafka client factory of this service. */
  KafkaClients kafkaClients();

  /** How long creating and checking the topics at start may take. */
  default Duration topicsTimeout() {
    return TopicEnsurer.DEFAULT_TIMEOUT;
  }
}
