package dev.flywheel.ingest;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random version-4 UUIDs for event ids, drawn from {@link ThreadLocalRandom}: ids need uniqueness,
 * not secrecy, and {@link UUID#randomUUID()} would read the shared SecureRandom, under a lock, on
 * the event loop for every item of every request.
 */
final class Ids {
  private Ids() {}

  static String random() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long most = (random.nextLong() & ~0xF000L) | 0x4000L;
    long least = (random.nextLong() & ~(0xC000000000000000L)) | 0x8000000000000000L;
    return new UUID(most, least).toString();
  }
}
