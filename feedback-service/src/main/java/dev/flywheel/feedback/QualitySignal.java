package dev.flywheel.feedback;

import org.apache.kafka.common.serialization.Serde;

/** One thing that counts towards a model version's live quality. */
enum QualitySignal {
  PREDICTION,
  CONFIRMATION,
  CORRECTION,
  THUMBS_DOWN,
  COMMENT;

  private static final QualitySignal[] VALUES = values();

  /** Reads a signal after its format byte (1). */
  static final Codec.Reader<QualitySignal> SERDE_READER = in -> VALUES[in.readByte()];

  static final Serde<QualitySignal> SERDE =
      Codec.serde((byte) 1, (value, out) -> out.writeByte(value.ordinal()), SERDE_READER);
}
