package dev.flywheel.feedback;

import org.apache.kafka.common.serialization.Serde;

/**
 * Something the retrain trigger of one model needs to know, keyed by model name: an example was
 * written, a prediction was judged, or someone asked for a retrain by hand.
 *
 * @param firstSeen the example id had no label before
 * @param labelChanged the example's label changed (including its first label)
 * @param version the judged model version
 * @param correct whether the judgement said the prediction was right
 */
record ModelSignal(
    Kind kind,
    String model,
    boolean holdout,
    boolean firstSeen,
    boolean labelChanged,
    int version,
    boolean correct,
    String requestId) {

  enum Kind {
    EXAMPLE,
    JUDGEMENT,
    MANUAL
  }

  private static final Kind[] KINDS = Kind.values();

  static final Serde<ModelSignal> SERDE =
      Codec.serde(
          (byte) 1,
          (s, out) -> {
            out.writeByte(s.kind.ordinal());
            out.writeUTF(s.model);
            out.writeBoolean(s.holdout);
            out.writeBoolean(s.firstSeen);
            out.writeBoolean(s.labelChanged);
            out.writeInt(s.version);
            out.writeBoolean(s.correct);
            Codec.writeNullableString(out, s.requestId);
          },
          in ->
              new ModelSignal(
                  KINDS[in.readByte()],
                  in.readUTF(),
                  in.readBoolean(),
                  in.readBoolean(),
                  in.readBoolean(),
                  in.readInt(),
                  in.readBoolean(),
                  Codec.readNullableString(in)));

  static ModelSignal example(String model, boolean holdout, boolean firstSeen, boolean changed) {
    return new ModelSignal(Kind.EXAMPLE, model, holdout, firstSeen, changed, 0, false, null);
  }

  static ModelSignal judgement(String model, int version, boolean correct) {
    return new ModelSignal(Kind.JUDGEMENT, model, false, false, false, version, correct, null);
  }

  static ModelSignal manual(String model, String requestId) {
    return new ModelSignal(Kind.MANUAL, model, false, false, false, 0, false, requestId);
  }
}
