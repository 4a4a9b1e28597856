package dev.flywheel.feedback;

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

  static final Serde<QualityCounts> SERDE =
      Codec.serde(
          (byte) 1,
          (c, out) -> {
            out.writeLong(c.predictions);
            out.writeLong(c.feedback);
            out.writeLong(c.confirmations);
            out.writeLong(c.corrections);
            out.writeLong(c.thumbsDown);
            out.writeLong(c.comments);
          },
          in ->
              new QualityCounts(
                  in.readLong(),
                  in.readLong(),
                  in.readLong(),
                  in.readLong(),
                  in.readLong(),
                  in.readLong()));

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
