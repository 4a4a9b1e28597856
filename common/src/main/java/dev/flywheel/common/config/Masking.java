package dev.flywheel.common.config;

import java.util.List;
import java.util.Locale;

/**
 * Decides which keys hold secrets, so that a logged configuration never shows them. A key is
 * sensitive when its name mentions a password, secret, key, token, credential or JAAS config (for
 * example {@code kafka.sasl.jaas.config}, {@code kafka.ssl.key.password}, {@code ingest.api.keys}),
 * except the serializer/serde class names Kafka calls {@code key.*}, which are harmless and useful
 * when debugging.
 */
final class Masking {
  private static final List<String> SENSITIVE =
      List.of("password", "secret", "key", "token", "credential", "jaas");
  private static final List<String> HARMLESS_SUFFIXES =
      List.of("key.serializer", "key.deserializer", "key.serde");

  private Masking() {}

  static boolean isSensitive(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    for (String suffix : HARMLESS_SUFFIXES) {
      if (lower.endsWith(suffix)) {
        return false;
      }
    }
    for (String word : SENSITIVE) {
      if (lower.contains(word)) {
        return true;
      }
    }
    return false;
  }

  static String show(String key, Object value) {
    return isSensitive(key) || value instanceof Secret ? Secret.MASK : String.valueOf(value);
  }
}
