package dev.flywheel.embedded;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's state, rebuilt by replaying the schemas topic, and the format of that topic's
 * records (the JSON keys and values Confluent Schema Registry writes to {@code _schemas}). Only the
 * store thread touches an instance, so it needs no locking.
 */
final class RegistryState {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryState.class);

  /** One version of a subject; a soft-deleted version keeps its number and its schema id. */
  record Version(String subject, int version, int id, boolean deleted) {}

  private final Map<Integer, String> schemaById = new HashMap<>();
  private final Map<Integer, Schema> parsedById = new HashMap<>();
  private final Map<String, Integer> idBySchema = new HashMap<>();
  private final Map<String, TreeMap<Integer, Version>> subjects = new TreeMap<>();
  private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
  private CompatibilityLevel globalLevel;
  private int maxId;

  /**
   * Parses an Avro schema; the canonical form used for identity is {@code toString()} of the
   * result, which drops whitespace and attribute order but keeps docs and defaults (they matter).
   */
  static Schema parse(String text) {
    if (text == null || text.isBlank()) {
      throw RegistryException.invalidSchema("empty schema");
    }
    try {
      return new Schema.Parser().parse(text);
    } catch (RuntimeException e) {
      // Avro reports bad schemas with several runtime exception types; all mean "invalid schema".
      throw RegistryException.invalidSchema(e.getMessage());
    }
  }

  /** Applies one record of the schemas topic; a record this registry does not know is skipped. */
  void apply(String key, String value) {
    if (key == null) {
      LOG.warn("Skipping a schemas-topic record without a key");
      return;
    }
    JsonObject k;
    JsonObject v;
    try {
      k = new JsonObject(key);
      v = value == null ? null : new JsonObject(value);
    } catch (DecodeException e) {
      LOG.warn("Skipping a schemas-topic record that is not JSON: {}", e.getMessage());
      return;
    }
    String keyType = k.getString("keytype", "");
    switch (keyType) {
      case "SCHEMA" -> applySchema(k, v);
      case "CONFIG" -> applyConfig(k, v);
      default -> LOG.debug("Skipping schemas-topic record of key type {}", keyType);
    }
  }

  private void applySchema(JsonObject key, JsonObject value) {
    String subject = key.getString("subject");
    Integer version = key.getInteger("version");
    if (subject == null || version == null) {
      LOG.warn("Skipping a schema record without subject or version: {}", key.encode());
      return;
    }
    if (value == null) {
      TreeMap<Integer, Version> versions = subjects.get(subject);
      if (versions != null) {
        versions.remove(version);
      }
      return;
    }
    String schemaType = value.getString("schemaType", "AVRO");
    Integer id = value.getInteger("id");
    String schema = value.getString("schema");
    if (!"AVRO".equals(schemaType) || id == null || schema == null) {
      LOG.warn("Skipping schema record {} version {}: not a usable Avro schema", subject, version);
      return;
    }
    Schema parsed;
    try {
      parsed = parse(schema);
    } catch (RegistryException e) {
      LOG.warn("Skipping schema record {} version {}: {}", subject, version, e.getMessage());
      return;
    }
    String canonical = parsed.toString();
    String known = schemaById.putIfAbsent(id, canonical);
    if (known != null && !known.equals(canonical)) {
      LOG.warn("Schema id {} seen with two different schemas; keeping the first", id);
      return;
    }
    parsedById.putIfAbsent(id, parsed);
    idBySchema.putIfAbsent(canonical, id);
    maxId = Math.max(maxId, id);
    subjects
        .computeIfAbsent(subject, s -> new TreeMap<>())
        .put(version, new Version(subject, version, id, value.getBoolean("deleted", false)));
  }

  private void applyConfig(JsonObject key, JsonObject value) {
    String subject = key.getString("subject");
    Optional<CompatibilityLevel> level =
        value == null
            ? Optional.empty()
            : CompatibilityLevel.parse(value.getString("compatibilityLevel"));
    if (value != null && level.isEmpty()) {
      LOG.warn("Skipping a config record with an unknown level: {}", value.encode());
      return;
    }
    if (subject == null) {
      globalLevel = level.orElse(null);
    } else if (level.isPresent()) {
      subjectLevels.put(subject, level.get());
    } else {
      subjectLevels.remove(subject);
    }
  }

  List<String> liveSubjects() {
    List<String> live = new ArrayList<>();
    for (String subject : subjects.keySet()) {
      if (!liveVersions(subject).isEmpty()) {
        live.add(subject);
      }
    }
    return live;
  }

  /** Every version of a subject, soft-deleted ones included; empty if it never existed. */
  NavigableMap<Integer, Version> allVersions(String subject) {
    return subjects.getOrDefault(subject, new TreeMap<>());
  }

  /** The versions that are not soft-deleted, oldest first. */
  List<Version> liveVersions(String subject) {
    List<Version> live = new ArrayList<>();
    for (Version version : allVersions(subject).values()) {
      if (!version.deleted()) {
        live.add(version);
      }
    }
    return live;
  }

  /** The live versions of a subject, or 40401 when it has none. */
  List<Version> requireLiveVersions(String subject) {
    List<Version> live = liveVersions(subject);
    if (live.isEmpty()) {
      throw RegistryException.subjectNotFound(subject);
    }
    return live;
  }

  /** One live version (or the latest when {@code version} is empty) of a subject. */
  Version requireVersion(String subject, Optional<Integer> version) {
    List<Version> live = requireLiveVersions(subject);
    if (version.isEmpty()) {
      return live.get(live.size() - 1);
    }
    Version found = allVersions(subject).get(version.get());
    if (found == null || found.deleted()) {
      throw RegistryException.versionNotFound(version.get());
    }
    return found;
  }

  Optional<String> schema(int id) {
    return Optional.ofNullable(schemaById.get(id));
  }

  /** The parsed schema behind an id that this state knows. */
  Schema parsed(int id) {
    return parsedById.computeIfAbsent(id, i -> parse(schemaById.get(i)));
  }

  Optional<Integer> idOf(String canonicalSchema) {
    return Optional.ofNullable(idBySchema.get(canonicalSchema));
  }

  /** Ids are never reused: the next one follows the highest id ever seen in the topic. */
  int nextId() {
    return maxId + 1;
  }

  /** Version numbers continue after soft-deleted versions, as in Confluent. */
  int nextVersion(String subject) {
    NavigableMap<Integer, Version> versions = allVersions(subject);
    return versions.isEmpty() ? 1 : versions.lastKey() + 1;
  }

  CompatibilityLevel globalLevel() {
    return globalLevel == null ? CompatibilityLevel.DEFAULT : globalLevel;
  }

  Optional<CompatibilityLevel> subjectLevel(String subject) {
    return Optional.ofNullable(subjectLevels.get(subject));
  }

  CompatibilityLevel effectiveLevel(String subject) {
    return subjectLevel(subject).orElseGet(this::globalLevel);
  }

  static ProducerRecord<String, String> schemaRecord(String topic, Version version, String schema) {
    JsonObject key =
        new JsonObject()
            .put("keytype", "SCHEMA")
            .put("subject", version.subject())
            .put("version", version.version())
            .put("magic", 1);
    JsonObject value =
        new JsonObject()
            .put("subject", version.subject())
            .put("version", version.version())
            .put("id", version.id())
            .put("schema", schema)
            .put("deleted", version.deleted());
    return new ProducerRecord<>(topic, 0, key.encode(), value.encode());
  }

  /** A config record; {@code subject} null means the global level, {@code level} null removes. */
  static ProducerRecord<String, String> configRecord(
      String topic, String subject, CompatibilityLevel level) {
    JsonObject key =
        new JsonObject().put("keytype", "CONFIG").put("subject", subject).put("magic", 0);
    String value =
        level == null ? null : new JsonObject().put("compatibilityLevel", level.name()).encode();
    return new ProducerRecord<>(topic, 0, key.encode(), value);
  }
}
