package dev.flywheel.ingest;

import dev.flywheel.schemas.Topic;
import org.apache.kafka.clients.producer.ProducerRecord;

/** One record bound for a catalogue topic, serialized only on a producer thread. */
record Outgoing<K, V>(Topic<K, V> topic, K key, V value) {
  /** Serializes key and value; may call the schema registry, so never on the event loop. */
  ProducerRecord<byte[], byte[]> serialize() {
    String name = topic.name();
    return new ProducerRecord<>(
        name,
        topic.keySerde().serializer().serialize(name, key),
        topic.valueSerde().serializer().serialize(name, value));
  }
}
