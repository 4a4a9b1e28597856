package dev.flywheel.feedback;

import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;

/**
 * Counts behind a model version's live quality in one window. Live accuracy is the judged-correct
 * share: confirmations / (confirmations + corrections + thumbs down); comments are not judgements.
 */
record QualityCounts(
    long predictions,
    long feedback,
    long confirmations,
    long corrections,
    long thumbsDown,
    long comments) {

  static final QualityCounts EMPTY = new QualityCounts(0, 0, 0, 0, 0, 0);

  /** The six counts, without a format byte (for values that embed them). */
  static final Codec.Writer<QualityCounts> WRITER =
      (c, out) -> {
        out.writeLong(c.predictions);
        out.writeLong(c.feedback);
        out.writeLong(c.confirmations);
        out.writeLong(c.corrections);
        out.writeLong(c.thumbsDown);
        out.writeLong(c.comments);
      };

  static final Codec.Reader<QualityCounts> READER =
      in ->
          new QualityCounts(
              in.readLong(),
              in.readLong(),
              in.readLong(),
              in.readLong(),
              in.readLong(),
              in.readLong());

  /** The counts of a window in {@code quality-store}. */
  static final Serde<QualityCounts> SERDE = Codec.serde((byte) 1, WRITER, READER);

  /**
   * Counts to add, on the {@code quality-signals} repartition topic: format 2 carries counts folded
   * per task (see {@link SignalBuffer}); format 1, one {@link QualitySignal} per record, is what
   * earlier versions wrote there, still read so that an upgrade loses nothing in flight.
   */
  static final Serde<QualityCounts> DELTA_SERDE =
      Codec.serde(
          (byte) 2,
          WRITER,
          READER,
          Map.of((byte) 1, in -> of(QualitySignal.SERDE_READER.read(in))));

  private static final Map<QualitySignal, QualityCounts> ONE = oneOfEach();

  /** What one signal adds. */
  static QualityCounts of(QualitySignal signal) {
    return ONE.get(signal);
  }

  private static Map<QualitySignal, QualityCounts> oneOfEach() {
    Map<QualitySignal, QualityCounts> one = new EnumMap<>(QualitySignal.class);
    for (QualitySignal signal : QualitySignal.values()) {
      one.put(signal, EMPTY.plus(signal));
    }
    return one;
  }

  /** Both counts added up. */
  QualityCounts plus(QualityCounts other) {
    return new QualityCounts(
        predictions + other.predictions,
        feedback + other.feedback,
        confirmations + other.confirmations,
        corrections + other.corrections,
        thumbsDown + other.thumbsDown,
        comments + other.comments);
  }

  QualityCounts plus(QualitySignal signal) {
    return switch (signal) {
      case PREDICTION ->
          new QualityCounts(
              predictions + 1, feedback, confirmations, corrections, thumbsDown, comments);
      case CONFIRMATION ->
          new QualityCounts(
              predictions, feedback + 1, confirmations + 1, corrections, thumbsDown, comments);
      case CORRECTION ->
          new QualityCounts(
              predictions, feedback + 1, confirmations, corrections + 1, thumbsDown, comments);
      case THUMBS_DOWN ->
          new QualityCounts(
              predictions, feedback + 1, confirmations, corrections, thumbsDown + 1, comments);
      case COMMENT ->
          new QualityCounts(
              predictions, feedback + 1, confirmations, corrections, thumbsDown, comments + 1);
    };
  }

  /** Feedback that judged the prediction right or wrong. */
  long judged() {
    return confirmations + corrections + thumbsDown;
  }

  /** The live accuracy and its interval, or null without judged feedback. */
  Wilson accuracy() {
    return judged() == 0 ? null : Wilson.of(confirmations, judged());
  }
}
