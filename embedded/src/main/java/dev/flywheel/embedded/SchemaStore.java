package dev.flywheel.embedded;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@link RegistryState} in step with the compacted schemas topic. One thread owns the
 * consumer, the producer and the state: it applies new records as they arrive and runs every
 * request in turn, so requests see a consistent state and never block an event loop.
 *
 * <p>Writes go through a transactional producer with one fixed {@code transactional.id} per topic.
 * Before each write the writer catches up with the topic (read-committed); a second registry that
 * writes to the same topic fences the first, whose next write then re-initialises, catches up again
 * and re-plans. So two instances never hand out the same id for different schemas, and every
 * instance that replays the topic derives the same ids.
 */
final class SchemaStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaStore.class);
  private static final Duration IDLE_POLL = Duration.ofMillis(200);
  // A fetch that only moves past transaction markers returns no records, and poll() would then
  // wait for its whole timeout: while catching up, poll briefly and look at the position again.
  private static final Duration CATCH_UP_POLL = Duration.ofMillis(10);
  private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(30);
  private static final int WRITE_ATTEMPTS = 3;

  /** The records a write produces and the answer the client gets once they are applied. */
  record WritePlan<T>(List<ProducerRecord<String, String>> records, T result) {
    static <T> WritePlan<T> answerOnly(T result) {
      return new WritePlan<>(List.of(), result);
    }
  }

  private final String bootstrapServers;
  private final String topic;
  private final TopicPartition partition;
  private final RegistryState state = new RegistryState();
  private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean running = true;
  private final String clientSuffix = Long.toHexString(System.nanoTime());
  private volatile KafkaConsumer<String, String> consumer;
  private Admin admin;
  private KafkaProducer<String, String> producer;
  private boolean consumerClosed;

  SchemaStore(String bootstrapServers, String topic) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.partition = new TopicPartition(topic, 0);
    this.thread = new Thread(this::run, "flywheel-schema-store-" + topic);
    this.thread.setDaemon(true);
  }

  /** Creates the topic if needed and replays it to its end; returns when caught up. */
  void start() {
    admin = Admin.create(adminConfig());
    try {
      ensureTopic();
    } catch (RuntimeException e) {
      closeClients();
      throw e;
    }
    consumer = new KafkaConsumer<>(consumerConfig());
    consumer.assign(List.of(partition));
    consumer.seekToBeginning(List.of(partition));
    thread.start();
    CompletableFuture<Integer> replayed = read(s -> s.nextId() - 1);
    try {
      int maxId = replayed.get(CATCH_UP_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
      LOG.info("Schema store caught up with topic {} (highest schema id {})", topic, maxId);
    } catch (ExecutionException e) {
      close();
      throw new IllegalStateException("Cannot read schemas topic " + topic, e.getCause());
    } catch (TimeoutException e) {
      close();
      throw new IllegalStateException("Timed out reading schemas topic " + topic, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IllegalStateException("Interrupted while reading schemas topic " + topic, e);
    }
  }

  /** Runs a query against the state once it has caught up with the topic. */
  <T> CompletableFuture<T> read(Function<RegistryState, T> query) {
    return submit(
        () -> {
          catchUp();
          return query.apply(state);
        });
  }

  /**
   * Plans a write against the caught-up state, produces its records in one transaction and
   * completes once they have been read back and applied.
   */
  <T> CompletableFuture<T> write(Function<RegistryState, WritePlan<T>> planner) {
    return submit(() -> writeWithRetries(planner));
  }

  @Override
  public void close() {
    running = false;
    if (thread.isAlive()) {
      wakeUpStoreThread();
      try {
        thread.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } else {
      closeClients();
    }
    Runnable pending;
    while ((pending = tasks.poll()) != null) {
      pending.run();
    }
  }

  private <T> CompletableFuture<T> submit(Task<T> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Runnable runnable =
        () -> {
          if (!running) {
            result.completeExceptionally(
                RegistryException.unavailable("The schema registry is shutting down"));
            return;
          }
          try {
            result.complete(task.run());
          } catch (RegistryException e) {
            result.completeExceptionally(e);
          } catch (KafkaException e) {
            LOG.warn("Schema store request failed: {}", e.toString());
            result.completeExceptionally(RegistryException.storeError(e.getMessage()));
          } catch (RuntimeException e) {
            LOG.error("Schema store request failed unexpectedly", e);
            result.completeExceptionally(e);
          }
        };
    tasks.add(runnable);
    if (!running) {
      tasks.remove(runnable);
      runnable.run();
    } else {
      wakeUpStoreThread();
    }
    return result;
  }

  private void wakeUpStoreThread() {
    KafkaConsumer<String, String> current = consumer;
    if (current != null) {
      current.wakeup();
    }
  }

  private void run() {
    try {
      while (running) {
        Runnable task;
        while (running && (task = tasks.poll()) != null) {
          task.run();
        }
        pollOnce(IDLE_POLL);
      }
    } catch (RuntimeException e) {
      LOG.error("Schema store for topic {} stopped unexpectedly", topic, e);
    } finally {
      // From here on every request fails fast with 503 instead of waiting for a dead thread.
      running = false;
      closeClients();
      Runnable pending;
      while ((pending = tasks.poll()) != null) {
        pending.run();
      }
    }
  }

  private void pollOnce(Duration timeout) {
    try {
      ConsumerRecords<String, String> records = consumer.poll(timeout);
      for (ConsumerRecord<String, String> record : records) {
        state.apply(record.key(), record.value());
      }
    } catch (WakeupException expected) {
      // A request arrived or close() was called; the loop looks at both.
      return;
    } catch (KafkaException e) {
      if (running) {
        LOG.warn("Polling schemas topic {} failed: {}", topic, e.toString());
      }
    }
  }

  private void catchUp() {
    long deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
    awaitPosition(endOffset(), deadline);
  }

  // The end offset comes from the admin client: a broker answers one request per connection at a
  // time, so asking the consumer would queue the question behind its long-polling fetch.
  private long endOffset() {
    try {
      return admin
          .listOffsets(
              Map.of(partition, OffsetSpec.latest()),
              new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
          .partitionResult(partition)
          .get(CATCH_UP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .offset();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw RegistryException.unavailable("Interrupted while reading schemas topic " + topic);
    } catch (ExecutionException e) {
      throw RegistryException.storeError(
          "cannot find the end of " + topic + ": " + e.getCause().getMessage());
    } catch (TimeoutException e) {
      throw RegistryException.timeout("finding the end of " + topic);
    }
  }

  // A request that arrives while the store thread is inside poll() or position() wakes it up;
  // position() just asks again, since the request is already queued and runs next.
  private long position() {
    while (true) {
      try {
        return consumer.position(partition, CATCH_UP_TIMEOUT);
      } catch (WakeupException expected) {
        checkRunning();
      }
    }
  }

  private void checkRunning() {
    if (!running) {
      throw RegistryException.unavailable("The schema registry is shutting down");
    }
  }

  /** Polls until the consumer's position has reached {@code offset}. */
  private void awaitPosition(long offset, long deadline) {
    while (position() < offset) {
      checkRunning();
      if (System.nanoTime() > deadline) {
        throw RegistryException.timeout("reading schemas topic " + topic + " up to " + offset);
      }
      pollOnce(CATCH_UP_POLL);
    }
  }

  private <T> T writeWithRetries(Function<RegistryState, WritePlan<T>> planner) {
    for (int attempt = 1; ; attempt++) {
      if (producer == null) {
        producer = newTransactionalProducer();
      }
      catchUp();
      WritePlan<T> plan = planner.apply(state);
      if (plan.records().isEmpty()) {
        return plan.result();
      }
      long lastOffset;
      try {
        lastOffset = produce(plan.records());
      } catch (KafkaException e) {
        // Fenced by another registry, or the transaction failed: start over with a new producer,
        // which aborts what is pending, and re-plan on the state as it is now.
        resetProducer();
        if (attempt >= WRITE_ATTEMPTS) {
          throw RegistryException.storeError("writing to " + topic + " failed: " + e.getMessage());
        }
        LOG.info("Retrying a schema write on {} after: {}", topic, e.toString());
        continue;
      }
      awaitPosition(lastOffset + 1, System.nanoTime() + CATCH_UP_TIMEOUT.toNanos());
      return plan.result();
    }
  }

  private KafkaProducer<String, String> newTransactionalProducer() {
    KafkaProducer<String, String> created = new KafkaProducer<>(producerConfig());
    try {
      created.initTransactions();
      return created;
    } catch (KafkaException e) {
      created.close(Duration.ZERO);
      throw e;
    }
  }

  private long produce(List<ProducerRecord<String, String>> records) {
    producer.beginTransaction();
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (ProducerRecord<String, String> record : records) {
      sent.add(producer.send(record));
    }
    producer.commitTransaction();
    long last = -1;
    for (Future<RecordMetadata> metadata : sent) {
      try {
        last = Math.max(last, metadata.get().offset());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KafkaException("Interrupted while writing to " + topic, e);
      } catch (ExecutionException e) {
        throw new KafkaException("Writing to " + topic + " failed", e.getCause());
      }
    }
    return last;
  }

  private void resetProducer() {
    if (producer != null) {
      try {
        producer.close(Duration.ZERO);
      } catch (KafkaException e) {
        LOG.debug("Closing a failed producer: {}", e.toString());
      }
      producer = null;
    }
  }

  private synchronized void closeClients() {
    resetProducer();
    if (consumer != null && !consumerClosed) {
      consumerClosed = true;
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
    if (admin != null) {
      admin.close(Duration.ofSeconds(5));
      admin = null;
    }
  }

  private void ensureTopic() {
    try {
      NewTopic newTopic =
          new NewTopic(topic, Optional.of(1), Optional.empty())
              .configs(
                  Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
      try {
        admin.createTopics(List.of(newTopic)).all().get(30, TimeUnit.SECONDS);
        LOG.info("Created schemas topic {}", topic);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException("Cannot create schemas topic " + topic, e.getCause());
        }
      }
      TopicDescription description = describeOnceKnown();
      if (description.partitions().size() != 1) {
        throw new IllegalStateException(
            "Schemas topic "
                + topic
                + " must have exactly one partition (it has "
                + description.partitions().size()
                + ") so that every registry reads the same order");
      }
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      Config configs =
          admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
      ConfigEntry cleanup = configs.get(TopicConfig.CLEANUP_POLICY_CONFIG);
      if (cleanup == null || !cleanup.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
        // With "delete", retention would one day drop schemas that old records still refer to.
        throw new IllegalStateException(
            "Schemas topic " + topic + " must be compacted (cleanup.policy=compact)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while preparing schemas topic " + topic, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Cannot prepare schemas topic " + topic, e);
    }
  }

  /**
   * The topic's description. A broker can answer "unknown topic" for a moment after it created the
   * topic, until its metadata has caught up: that answer is retried for up to 30 s.
   */
  private TopicDescription describeOnceKnown()
      throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        return admin
            .describeTopics(List.of(topic))
            .allTopicNames()
            .get(30, TimeUnit.SECONDS)
            .get(topic);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
            || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  private Map<String, Object> adminConfig() {
    return Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
        bootstrapServers,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
        30_000,
        AdminClientConfig.CLIENT_ID_CONFIG,
        "flywheel-schema-store-admin-" + clientSuffix);
  }

  private Map<String, Object> consumerConfig() {
    return Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        bootstrapServers,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        "read_committed",
        // Compaction may remove the oldest records; never skip ahead past unread schemas.
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
        "earliest",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
        false,
        ConsumerConfig.CLIENT_ID_CONFIG,
        "flywheel-schema-store-reader-" + clientSuffix,
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
        StringDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
        StringDeserializer.class);
  }

  private Map<String, Object> producerConfig() {
    return Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        bootstrapServers,
        ProducerConfig.ACKS_CONFIG,
        "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
        true,
        ProducerConfig.TRANSACTIONAL_ID_CONFIG,
        "flywheel-schema-registry-" + topic,
        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
        10_000,
        ProducerConfig.MAX_BLOCK_MS_CONFIG,
        30_000,
        ProducerConfig.CLIENT_ID_CONFIG,
        "flywheel-schema-store-writer-" + clientSuffix,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
        StringSerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
        StringSerializer.class);
  }

  @FunctionalInterface
  private interface Task<T> {
    T run();
  }
}
