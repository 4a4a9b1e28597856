package dev.flywheel.feedback;

import dev.flywheel.events.FeedbackKind;
import dev.flywheel.events.PredictionLogged;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The left join of feedback (key: prediction id) to its prediction, with the semantics of a
 * stream-stream left join with {@code JoinWindows.ofTimeDifferenceAndGrace(window,
 * grace).after(grace)}: feedback at time {@code f} meets a prediction at time {@code p} when {@code
 * f - window <= p <= f + grace}, and feedback that met none is emitted alone once stream time has
 * passed {@code f + 2 * grace}.
 *
 * <p>It does less work per event than Kafka's join, which stores both sides and looks each new
 * record up in the other side's store: a prediction is stored once (window store {@code
 * predictionStore}, expired a window and twice the grace after it) and feedback is only looked up.
 * Feedback is stored only while its prediction is missing (key-value store {@code waitingStore}, a
 * list per prediction id), which is rare: a prediction is logged before anyone can react to it. A
 * prediction looks for waiting feedback only when some is waiting in this task; the count of
 * waiting feedback is rebuilt from the store with the first record after the task starts, and
 * waiting feedback is indexed by deadline ({@code deadlineStore}) so that expiring it reads only
 * what is due.
 *
 * <p>Both stores are changelogged, so the join survives a restart exactly like the rest of the
 * topology.
 *
 * <p>Submitted examples (feedback of kind EXAMPLE) refer to no prediction: they pass through at
 * once, alone, in the order they came (they share the intake's task, and a node of their own would
 * cost every event of that task a hop).
 */
final class PredictionJoin implements Processor<String, JoinInput, String, Joined> {
  /** How often, in stream time, waiting feedback is checked for an expired window. */
  static final Duration EXPIRY_INTERVAL = Duration.ofSeconds(1);

  private final String predictionStoreName;
  private final String waitingStoreName;
  private final String deadlineStoreName;
  private final long windowMs;
  private final long graceMs;
  private ProcessorContext<String, Joined> context;
  private WindowStore<String, PredictionLogged> predictions;
  private KeyValueStore<String, List<Waiting>> waiting;

  /** Waiting feedback by deadline: key {@link #deadlineKey}, value the prediction id. */
  private KeyValueStore<String, String> deadlines;

  private long waitingCount;

  /** The expiry check, scheduled only while feedback waits. */
  private Cancellable expiry;

  /** Whether {@link #start} ran since the last init. */
  private boolean started;

  PredictionJoin(
      String predictionStoreName,
      String waitingStoreName,
      String deadlineStoreName,
      Duration window,
      Duration grace) {
    this.predictionStoreName = predictionStoreName;
    this.waitingStoreName = waitingStoreName;
    this.deadlineStoreName = deadlineStoreName;
    this.windowMs = window.toMillis();
    this.graceMs = grace.toMillis();
  }

  /** Feedback waiting for its prediction, with the timestamp it was read with. */
  record Waiting(long timestamp, Envelope envelope) {
    static Serde<List<Waiting>> listSerde(Serde<Envelope> envelopes) {
      return Codec.serde(
          (byte) 1,
          (list, out) -> {
            out.writeInt(list.size());
            for (Waiting w : list) {
              out.writeLong(w.timestamp);
              Codec.writeBytes(out, envelopes.serializer().serialize(null, w.envelope));
            }
          },
          in -> {
            int size = in.readInt();
            List<Waiting> list = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
              long timestamp = in.readLong();
              list.add(
                  new Waiting(
                      timestamp, envelopes.deserializer().deserialize(null, Codec.readBytes(in))));
            }
            return list;
          });
    }
  }

  @Override
  public void init(ProcessorContext<String, Joined> context) {
    this.context = context;
    this.predictions = context.getStateStore(predictionStoreName);
    this.waiting = context.getStateStore(waitingStoreName);
    this.deadlines = context.getStateStore(deadlineStoreName);
    // Kafka Streams may initialise a processor again (a task revived after an error): the rest
    // is set up from the stores with the first record, when the stores may be written.
    started = false;
    waitingCount = 0;
    expiry = null;
  }

  /**
   * Counts the feedback waiting in the stores, indexes what a version without the deadline index
   * left waiting, and schedules the expiry check if anything waits.
   */
  private void start() {
    started = true;
    boolean indexed;
    try (KeyValueIterator<String, String> any = deadlines.all()) {
      indexed = any.hasNext();
    }
    List<KeyValue<String, List<Waiting>>> all = new ArrayList<>();
    try (KeyValueIterator<String, List<Waiting>> entries = waiting.all()) {
      entries.forEachRemaining(all::add);
    }
    for (KeyValue<String, List<Waiting>> entry : all) {
      waitingCount += entry.value.size();
      if (!indexed) {
        entry.value.forEach(w -> deadlines.put(deadlineKey(w, entry.key), entry.key));
      }
    }
    scheduleExpiry();
  }

  /** Sorts by deadline: stream time at which feedback stops waiting, zero-padded, then the id. */
  private String deadlineKey(long timestamp, String id) {
    long deadline =
        timestamp > Long.MAX_VALUE - 2 * graceMs ? Long.MAX_VALUE : timestamp + 2 * graceMs;
    return Codec.sortable(deadline) + "/" + id;
  }

  private String deadlineKey(Waiting w, String id) {
    return deadlineKey(w.timestamp, id);
  }

  /**
   * Checks for expired feedback while some waits, and not otherwise: every punctuation makes Kafka
   * Streams process fewer records before it next checks all its tasks, which costs a backlog replay
   * (stream time advancing much faster than the wall clock) a large share of its throughput.
   */
  private void scheduleExpiry() {
    if (waitingCount > 0 && expiry == null) {
      expiry = context.schedule(EXPIRY_INTERVAL, PunctuationType.STREAM_TIME, this::expire);
    } else if (waitingCount == 0 && expiry != null) {
      expiry.cancel();
      expiry = null;
    }
  }

  @Override
  public void process(Record<String, JoinInput> record) {
    if (!started) {
      start();
    }
    JoinInput input = record.value();
    if (input.prediction() != null) {
      predicted(record.key(), input.prediction(), record.timestamp());
    } else if (input.feedback().feedback().getKind() == FeedbackKind.EXAMPLE) {
      // A submitted example refers to no prediction: it passes through, touching no store.
      context.forward(record.withValue(new Joined(input.feedback(), null)));
    } else {
      feedback(record, input.feedback());
    }
  }

  private void predicted(String id, PredictionLogged prediction, long timestamp) {
    predictions.put(id, prediction, timestamp);
    if (waitingCount == 0) {
      return;
    }
    List<Waiting> list = waiting.get(id);
    if (list == null) {
      return;
    }
    List<Waiting> still = new ArrayList<>(list.size());
    for (Waiting w : list) {
      if (w.timestamp - windowMs <= timestamp && timestamp <= w.timestamp + graceMs) {
        context.forward(
            new Record<>(id, new Joined(w.envelope, prediction), Math.max(timestamp, w.timestamp)));
        deadlines.delete(deadlineKey(w, id));
      } else {
        still.add(w);
      }
    }
    replace(id, list, still);
  }

  private void feedback(Record<String, JoinInput> record, Envelope envelope) {
    long f = record.timestamp();
    KeyValue<Long, PredictionLogged> match = null;
    // Forward: a backward fetch costs about twice as much (RocksDB's memtable cannot step back
    // cheaply), and a prediction id is logged once, or again with the same content on a retry.
    try (WindowStoreIterator<PredictionLogged> hits =
        predictions.fetch(record.key(), f - windowMs, f + graceMs)) {
      if (hits.hasNext()) {
        match = hits.next();
      }
    }
    if (match != null) {
      context.forward(
          record
              .withValue(new Joined(envelope, match.value))
              .withTimestamp(Math.max(f, match.key)));
      return;
    }
    List<Waiting> list = waiting.get(record.key());
    List<Waiting> grown = list == null ? new ArrayList<>(1) : new ArrayList<>(list);
    Waiting w = new Waiting(f, envelope);
    grown.add(w);
    waiting.put(record.key(), grown);
    deadlines.put(deadlineKey(w, record.key()), record.key());
    waitingCount++;
    scheduleExpiry();
  }

  /**
   * Emits, alone, the waiting feedback whose prediction can no longer arrive in time. Reads only
   * the deadlines that have passed, so its cost does not grow with the feedback still waiting.
   */
  private void expire(long streamTime) {
    if (waitingCount == 0) {
      return;
    }
    // The stores are written only once the iterator is closed. Every key with a deadline at or
    // before streamTime sorts before sortable(streamTime + 1), which no key equals (keys have a
    // slash).
    List<KeyValue<String, String>> due = new ArrayList<>();
    try (KeyValueIterator<String, String> passed =
        deadlines.range(
            Codec.sortable(0),
            Codec.sortable(streamTime == Long.MAX_VALUE ? streamTime : streamTime + 1))) {
      passed.forEachRemaining(due::add);
    }
    for (KeyValue<String, String> deadline : due) {
      deadlines.delete(deadline.key);
      String id = deadline.value;
      List<Waiting> list = waiting.get(id);
      if (list == null) {
        continue;
      }
      List<Waiting> still = new ArrayList<>(list.size());
      for (Waiting w : list) {
        if (w.timestamp + 2 * graceMs <= streamTime) {
          context.forward(new Record<>(id, new Joined(w.envelope, null), w.timestamp));
        } else {
          still.add(w);
        }
      }
      replace(id, list, still);
    }
  }

  /**
   * Keeps {@code after} as the feedback waiting for {@code id}, if it differs from {@code before}.
   */
  private void replace(String id, List<Waiting> before, List<Waiting> after) {
    if (after.size() == before.size()) {
      return;
    }
    waitingCount -= before.size() - after.size();
    waiting.put(id, after.isEmpty() ? null : after);
    scheduleExpiry();
  }
}
