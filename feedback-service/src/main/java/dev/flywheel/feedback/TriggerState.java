package dev.flywheel.feedback;

import org.apache.kafka.common.serialization.Serde;

/**
 * What the retrain trigger remembers per model.
 *
 * @param newExamples new or relabelled non-holdout examples since the last request
 * @param totalExamples distinct non-holdout examples ever labelled
 * @param lastRequestAt wall-clock time of the last request (automatic or manual), -1 for none
 * @param trackedVersion the champion version the live counts below belong to, -1 for none
 * @param judged judged feedback on that version since its release or the last drift request
 * @param correct how much of it said the prediction was right
 */
record TriggerState(
    long newExamples,
    long totalExamples,
    long lastRequestAt,
    int trackedVersion,
    long judged,
    long correct) {

  static final TriggerState INITIAL = new TriggerState(0, 0, -1, -1, 0, 0);

  static final Serde<TriggerState> SERDE =
      Codec.serde(
          (byte) 1,
          (s, out) -> {
            out.writeLong(s.newExamples);
            out.writeLong(s.totalExamples);
            out.writeLong(s.lastRequestAt);
            out.writeInt(s.trackedVersion);
            out.writeLong(s.judged);
            out.writeLong(s.correct);
          },
          in ->
              new TriggerState(
                  in.readLong(),
                  in.readLong(),
                  in.readLong(),
                  in.readInt(),
                  in.readLong(),
                  in.readLong()));

  /** After {@code changed} new or relabelled examples, {@code firstSeen} of them new. */
  TriggerState withExamples(long firstSeen, long changed) {
    return new TriggerState(
        newExamples + changed,
        totalExamples + firstSeen,
        lastRequestAt,
        trackedVersion,
        judged,
        correct);
  }

  /**
   * After {@code count} judgements of {@code version}, {@code right} of them saying the prediction
   * was right; judgements of another version than the tracked one start the live counts afresh.
   */
  TriggerState withJudgements(int version, long count, long right) {
    TriggerState base =
        version == trackedVersion
            ? this
            : new TriggerState(newExamples, totalExamples, lastRequestAt, version, 0, 0);
    return new TriggerState(
        base.newExamples,
        base.totalExamples,
        base.lastRequestAt,
        version,
        base.judged + count,
        base.correct + right);
  }

  /** After any request: the example counter restarts and the cooldown starts. */
  TriggerState requested(long now) {
    return new TriggerState(0, totalExamples, now, trackedVersion, judged, correct);
  }

  /** After a drift request the live evidence restarts too, so it cannot fire twice. */
  TriggerState driftRequested(long now) {
    return new TriggerState(0, totalExamples, now, trackedVersion, 0, 0);
  }
}
