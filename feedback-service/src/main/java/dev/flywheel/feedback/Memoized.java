package dev.flywheel.feedback;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * A serde that decodes the same bytes once: for the global tables (model specs, releases), which
 * hold a few small values that every example reads again. Decoding a spec per example was 2 % of
 * the stream thread; comparing its bytes with those decoded before costs a fraction of that. Bytes
 * that decode to null (which a deserializer may do for bytes it skips) are not remembered.
 *
 * <p>Every caller that reads the same bytes gets the same instance, from any thread: the values
 * must be treated as immutable. At most {@link #MAX_VALUES} are kept; when that is reached they are
 * all dropped and decoded again as they are read.
 */
final class Memoized {
  static final int MAX_VALUES = 1024;

  private Memoized() {}

  static <V> Serde<V> serde(Serde<V> serde) {
    Deserializer<V> inner = serde.deserializer();
    Map<ByteBuffer, V> decoded = new ConcurrentHashMap<>();
    Deserializer<V> deserializer =
        (topic, data) -> {
          if (data == null) {
            return inner.deserialize(topic, null);
          }
          V value = decoded.get(ByteBuffer.wrap(data));
          if (value == null) {
            value = inner.deserialize(topic, data);
            if (value != null) {
              if (decoded.size() >= MAX_VALUES) {
                decoded.clear();
              }
              // A copy: whoever passed the bytes may reuse them.
              decoded.put(ByteBuffer.wrap(data.clone()), value);
            }
          }
          return value;
        };
    return Serdes.serdeFrom(serde.serializer(), deserializer);
  }
}
