package dev.flywheel.common.auth;

import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The API keys the gateway accepts, held only as sha256 hashes, each mapped to an app id and a
 * role. A presented key is hashed and compared with every stored hash in constant time, so neither
 * the key nor which entry matched leaks through timing.
 */
public final class ApiKeys {
  private static final Pattern APP_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");

  private record Entry(byte[] hash, Principal principal) {}

  private final List<Entry> entries;

  private ApiKeys(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /**
   * Parses entries {@code <app-id>:<role>:<sha256-hex-of-key>}, e.g. {@code shop:app:9f86d08...}.
   *
   * @throws IllegalArgumentException naming every malformed entry (never echoing a hash)
   */
  public static ApiKeys parse(List<String> specs) {
    List<Entry> entries = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      String[] parts = specs.get(i).trim().split(":");
      if (parts.length != 3 || !APP_ID.matcher(parts[0]).matches()) {
        problems.add("entry " + i + " is not <app-id>:<app|admin>:<sha256-hex>");
        continue;
      }
      if (!SHA256_HEX.matcher(parts[2]).matches()) {
        problems.add("entry " + i + " (" + parts[0] + ") has no 64-digit sha256 hex hash");
        continue;
      }
      try {
        Role role = Role.parse(parts[1]);
        entries.add(new Entry(HexFormat.of().parseHex(parts[2]), new Principal(parts[0], role)));
      } catch (IllegalArgumentException e) {
        problems.add("entry " + i + " (" + parts[0] + "): " + e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return new ApiKeys(entries);
  }

  /** The app ids that have a key, in configuration order, each once. */
  public List<String> appIds() {
    return entries.stream().map(entry -> entry.principal().appId()).distinct().toList();
  }

  /** The config entry for a plain key: what operators put in {@code ingest.api.keys}. */
  public static String entry(String appId, Role role, String plainKey) {
    return appId + ":" + role.name().toLowerCase(java.util.Locale.ROOT) + ":" + sha256Hex(plainKey);
  }

  /** Hex sha256 of a key's UTF-8 bytes. */
  public static String sha256Hex(String plainKey) {
    return HexFormat.of().formatHex(sha256(plainKey));
  }

  /** How many keys are configured. */
  public int size() {
    return entries.size();
  }

  /**
   * The key a request presents: {@code Authorization: Bearer <key>}, else {@code X-API-Key}; null
   * when it presents none.
   */
  public static String presentedKey(HttpServerRequest request) {
    String authorization = request.getHeader("Authorization");
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return authorization.substring(7).trim();
    }
    return request.getHeader("X-API-Key");
  }

  /** The principal of a presented key, if it is one of ours. */
  public Optional<Principal> authenticate(String presentedKey) {
    if (presentedKey == null || presentedKey.isEmpty()) {
      return Optional.empty();
    }
    byte[] hash = sha256(presentedKey);
    Principal found = null;
    // No early exit: every entry is compared, whatever matched.
    for (Entry entry : entries) {
      if (MessageDigest.isEqual(entry.hash(), hash) && found == null) {
        found = entry.principal();
      }
    }
    return Optional.ofNullable(found);
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
