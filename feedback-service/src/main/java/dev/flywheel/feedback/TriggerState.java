package dev.flywheel.feedback;

import java.util.Map;
import org.apache.kafka.common.serialization.Serde;

/**
 * What the retrain trigger remembers per model.
 *
 * @param newExamples new or relabelled non-holdout examples since the last request that the last
 *     trained snapshot did not already hold
 * @param totalExamples distinct non-holdout examples ever labelled
 * @param lastRequestAt wall-clock time of the last request (automatic or manual), -1 for none
 * @param trackedVersion the champion version the live counts below belong to, -1 for none
 * @param judged judged feedback on that version since its release or the last drift request
 * @param correct how much of it said the prediction was right
 * @param newFirstSeen the first-seen examples among {@code newExamples}
 * @param trainedExamples non-holdout examples of the largest snapshot a candidate was trained on
 */
record TriggerState(
    long newExamples,
    long totalExamples,
    long lastRequestAt,
    int trackedVersion,
    long judged,
    long correct,
    long newFirstSeen,
    long trainedExamples) {

  static final TriggerState INITIAL = new TriggerState(0, 0, -1, -1, 0, 0, 0, 0);

  /**
   * Format 2 adds the first-seen share of the counter and the trained snapshot's size; format 1
   * states read with neither (nothing of the counter can be shown to be trained already).
   */
  static final Serde<TriggerState> SERDE =
      Codec.serde(
          (byte) 2,
          (s, out) -> {
            out.writeLong(s.newExamples);
            out.writeLong(s.totalExamples);
            out.writeLong(s.lastRequestAt);
            out.writeInt(s.trackedVersion);
            out.writeLong(s.judged);
            out.writeLong(s.correct);
            out.writeLong(s.newFirstSeen);
            out.writeLong(s.trainedExamples);
          },
          in ->
              new TriggerState(
                  in.readLong(),
                  in.readLong(),
                  in.readLong(),
                  in.readInt(),
                  in.readLong(),
                  in.readLong(),
                  in.readLong(),
                  in.readLong()),
          Map.of(
              (byte) 1,
              in ->
                  new TriggerState(
                      in.readLong(),
                      in.readLong(),
                      in.readLong(),
                      in.readInt(),
                      in.readLong(),
                      in.readLong(),
                      0,
                      0)));

  /**
   * After {@code changed} new or relabelled examples, {@code firstSeen} of them new. The model's
   * distinct examples are numbered in the order they are first labelled, so a first-seen example
   * whose number is within the size of the last trained snapshot is one that snapshot already held
   * (the trigger is behind the trainer): it is counted in the total but not towards the threshold.
   */
  TriggerState withExamples(long firstSeen, long changed) {
    long held = Math.max(0, Math.min(firstSeen, trainedExamples - totalExamples));
    long counted = firstSeen - held;
    return new TriggerState(
        newExamples + (changed - firstSeen) + counted,
        totalExamples + firstSeen,
        lastRequestAt,
        trackedVersion,
        judged,
        correct,
        newFirstSeen + counted,
        trainedExamples);
  }

  /**
   * After a candidate was trained on a snapshot of {@code snapshotExamples}: the first-seen
   * examples counted since the last request that the snapshot held no longer count, since only the
   * {@code totalExamples - snapshotExamples} most recent ones can be new to it. Relabels stay
   * counted (which of them the snapshot saw is not known here), and an older snapshot than the
   * largest already seen changes nothing.
   */
  TriggerState trained(long snapshotExamples) {
    if (snapshotExamples <= trainedExamples) {
      return this;
    }
    long beyond = Math.max(0, totalExamples - snapshotExamples);
    long drop = Math.max(0, newFirstSeen - beyond);
    return new TriggerState(
        newExamples - drop,
        totalExamples,
        lastRequestAt,
        trackedVersion,
        judged,
        correct,
        newFirstSeen - drop,
        snapshotExamples);
  }

  /**
   * After {@code count} judgements of {@code version}, {@code right} of them saying the prediction
   * was right; judgements of another version than the tracked one start the live counts afresh.
   */
  TriggerState withJudgements(int version, long count, long right) {
    long baseJudged = version == trackedVersion ? judged : 0;
    long baseCorrect = version == trackedVersion ? correct : 0;
    return new TriggerState(
        newExamples,
        totalExamples,
        lastRequestAt,
        version,
        baseJudged + count,
        baseCorrect + right,
        newFirstSeen,
        trainedExamples);
  }

  /** After any request: the example counter restarts and the cooldown starts. */
  TriggerState requested(long now) {
    return new TriggerState(
        0, totalExamples, now, trackedVersion, judged, correct, 0, trainedExamples);
  }

  /** After a drift request the live evidence restarts too, so it cannot fire twice. */
  TriggerState driftRequested(long now) {
    return new TriggerState(0, totalExamples, now, trackedVersion, 0, 0, 0, trainedExamples);
  }
}
