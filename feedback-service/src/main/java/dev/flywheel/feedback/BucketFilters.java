package dev.flywheel.feedback;

import java.util.Arrays;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Which idempotency ids may be stored in which dedup bucket: one Bloom filter per bucket, in
 * memory, so that an id seen for the first time (nearly every id) is known to be new without a
 * store read. Each read that misses costs a RocksDB lookup that raises and catches a C++ exception
 * inside RocksJava; two of them per new id were 7 % of the stream thread.
 *
 * <p>A filter never forgets an id added to it, so "no" is certain and "maybe" is checked against
 * the store. It only knows what it was told: every id the store holds must be {@link #add added}
 * (the owner adds the store's contents when it starts, then every id it puts). A bucket it knows
 * nothing about answers "maybe": one {@link #forget forgotten}, or one that outgrew {@link
 * #maxIdsPerBucket}.
 *
 * <p>A bucket's filter grows as a chain of Bloom filters, each twice the capacity of the one before
 * at about 0.3 % false positives when full (12 bits and 8 probes per id), so it costs about 1.5 to
 * 3 bytes per id and at most a few percent of new ids go to the store anyway. Ids come from
 * clients, so the hash is seeded per instance: nobody can choose ids that all answer "maybe" (which
 * would only cost store reads, never a wrong answer).
 */
final class BucketFilters {
  /** The default bound: beyond it a bucket is read from the store (about 6 MB of filter). */
  static final int MAX_IDS_PER_BUCKET = 2_000_000;

  private static final int FIRST_CAPACITY = 1 << 12;
  private static final int BITS_PER_ID = 12;
  private static final int PROBES = 8;

  private final int maxIdsPerBucket;
  private final long seed = ThreadLocalRandom.current().nextLong();
  private final TreeMap<Long, Chain> buckets = new TreeMap<>();

  /** Buckets before this one are not known. */
  private long knownFrom = Long.MIN_VALUE;

  BucketFilters(int maxIdsPerBucket) {
    if (maxIdsPerBucket < 1) {
      throw new IllegalArgumentException("maxIdsPerBucket must be positive: " + maxIdsPerBucket);
    }
    this.maxIdsPerBucket = maxIdsPerBucket;
  }

  /** The id's hash for this instance: computed once per id, then asked of several buckets. */
  long hash(String id) {
    return hash(id, seed);
  }

  /**
   * False only when the id with {@code hash} was never added to {@code bucket} since it became
   * known.
   */
  boolean mayHold(long hash, long bucket) {
    if (bucket < knownFrom) {
      return true;
    }
    Chain chain = buckets.get(bucket);
    return chain != null && chain.mayHold(hash);
  }

  void add(long hash, long bucket) {
    if (bucket >= knownFrom) {
      buckets.computeIfAbsent(bucket, b -> new Chain()).add(hash, maxIdsPerBucket);
    }
  }

  /** Drops the filters of buckets before {@code bucket}: they answer "maybe" from now on. */
  void forget(long bucket) {
    if (bucket > knownFrom) {
      buckets.headMap(bucket).clear();
      knownFrom = bucket;
    }
  }

  /**
   * A 64-bit hash of the id's characters: FNV-1a from {@code seed}, then MurmurHash3's finaliser to
   * spread it.
   */
  static long hash(String id, long seed) {
    long h = 0xcbf29ce484222325L ^ seed;
    for (int i = 0; i < id.length(); i++) {
      h = (h ^ id.charAt(i)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    return h ^ (h >>> 33);
  }

  /** One bucket's filters, the newest last; none after it overflowed (then always "maybe"). */
  private static final class Chain {
    private Bloom[] filters = {new Bloom(FIRST_CAPACITY)};
    private int ids;
    private boolean overflowed;

    boolean mayHold(long hash) {
      if (overflowed) {
        return true;
      }
      for (Bloom filter : filters) {
        if (filter.mayHold(hash)) {
          return true;
        }
      }
      return false;
    }

    void add(long hash, int maxIds) {
      if (overflowed) {
        return;
      }
      if (ids >= maxIds) {
        overflowed = true;
        filters = new Bloom[0];
        return;
      }
      Bloom last = filters[filters.length - 1];
      if (last.full()) {
        Bloom[] grown = Arrays.copyOf(filters, filters.length + 1);
        last = new Bloom((int) Math.min(2L * last.capacity, Integer.MAX_VALUE / BITS_PER_ID));
        grown[filters.length] = last;
        filters = grown;
      }
      last.add(hash);
      ids++;
    }
  }

  /** A Bloom filter for {@code capacity} ids; probes by double hashing (Kirsch–Mitzenmacher). */
  private static final class Bloom {
    final int capacity;
    final long[] bits;
    private final long size;
    private int count;

    Bloom(int capacity) {
      this.capacity = capacity;
      this.bits = new long[(int) (((long) capacity * BITS_PER_ID + 63) / 64)];
      this.size = 64L * bits.length;
    }

    boolean full() {
      return count >= capacity;
    }

    void add(long hash) {
      int h1 = (int) hash;
      int h2 = (int) (hash >>> 32);
      for (int i = 1; i <= PROBES; i++) {
        long bit = index(h1 + i * h2);
        bits[(int) (bit >>> 6)] |= 1L << bit;
      }
      count++;
    }

    boolean mayHold(long hash) {
      int h1 = (int) hash;
      int h2 = (int) (hash >>> 32);
      for (int i = 1; i <= PROBES; i++) {
        long bit = index(h1 + i * h2);
        if ((bits[(int) (bit >>> 6)] & (1L << bit)) == 0) {
          return false;
        }
      }
      return true;
    }

    /** Maps 32 hash bits onto the filter's bits by a multiply and a shift (no division). */
    private long index(int combined) {
      return ((combined & 0xffffffffL) * size) >>> 32;
    }
  }
}
