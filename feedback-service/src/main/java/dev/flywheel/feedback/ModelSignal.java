package dev.flywheel.feedback;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;

/**
 * Something the retrain trigger of one model needs to know, keyed by model name: examples were
 * written, predictions were judged, someone asked for a retrain by hand, or a candidate was
 * trained. Example and judgement signals carry counts, so that {@link SignalBuffer} can fold the
 * signals of one commit interval into one record per model (and judged version).
 *
 * @param newExamples non-holdout examples whose label changed (including first labels); for
 *     TRAINED, the non-holdout examples of the snapshot the candidate was trained on
 * @param firstSeen non-holdout examples that had no label before (a subset of {@code newExamples})
 * @param version the judged model version; for TRAINED, the candidate's version
 * @param judged how many predictions of {@code version} were judged
 * @param correct how many of those judgements said the prediction was right
 */
record ModelSignal(
    Kind kind,
    String model,
    long newExamples,
    long firstSeen,
    int version,
    long judged,
    long correct,
    String requestId) {

  enum Kind {
    EXAMPLE,
    JUDGEMENT,
    MANUAL,
    TRAINED
  }

  private static final Kind[] KINDS = Kind.values();

  /**
   * Format 2 carries counts; format 1, one example or judgement per record, is what earlier
   * versions wrote to the {@code model-signals} repartition topic and is still read, so that an
   * upgrade loses nothing in flight.
   */
  static final Serde<ModelSignal> SERDE =
      Codec.serde(
          (byte) 2,
          ModelSignal::write,
          ModelSignal::read,
          Map.of((byte) 1, ModelSignal::readFormat1));

  /** Format 2's fields, without the format byte (for values that embed a signal). */
  static void write(ModelSignal s, DataOutputStream out) throws IOException {
    out.writeByte(s.kind.ordinal());
    out.writeUTF(s.model);
    out.writeLong(s.newExamples);
    out.writeLong(s.firstSeen);
    out.writeInt(s.version);
    out.writeLong(s.judged);
    out.writeLong(s.correct);
    Codec.writeNullableString(out, s.requestId);
  }

  static ModelSignal read(DataInputStream in) throws IOException {
    return new ModelSignal(
        KINDS[in.readByte()],
        in.readUTF(),
        in.readLong(),
        in.readLong(),
        in.readInt(),
        in.readLong(),
        in.readLong(),
        Codec.readNullableString(in));
  }

  private static ModelSignal readFormat1(DataInputStream in) throws IOException {
    Kind kind = KINDS[in.readByte()];
    String model = in.readUTF();
    boolean holdout = in.readBoolean();
    boolean firstSeen = in.readBoolean();
    boolean labelChanged = in.readBoolean();
    int version = in.readInt();
    boolean correct = in.readBoolean();
    String requestId = Codec.readNullableString(in);
    return switch (kind) {
      case EXAMPLE -> example(model, holdout, firstSeen, labelChanged);
      case JUDGEMENT -> judgement(model, version, correct);
      case MANUAL -> manual(model, requestId);
      case TRAINED -> throw new IllegalStateException("format 1 has no TRAINED signals");
    };
  }

  /** One example written; a holdout example counts for nothing. */
  static ModelSignal example(String model, boolean holdout, boolean firstSeen, boolean changed) {
    return examples(model, !holdout && changed ? 1 : 0, !holdout && firstSeen ? 1 : 0);
  }

  static ModelSignal examples(String model, long newExamples, long firstSeen) {
    return new ModelSignal(Kind.EXAMPLE, model, newExamples, firstSeen, 0, 0, 0, null);
  }

  /** One prediction of {@code version} judged. */
  static ModelSignal judgement(String model, int version, boolean correct) {
    return judgements(model, version, 1, correct ? 1 : 0);
  }

  static ModelSignal judgements(String model, int version, long judged, long correct) {
    return new ModelSignal(Kind.JUDGEMENT, model, 0, 0, version, judged, correct, null);
  }

  /** A candidate {@code version} was trained on a snapshot of {@code trainExamples}. */
  static ModelSignal trained(String model, int version, long trainExamples) {
    return new ModelSignal(Kind.TRAINED, model, trainExamples, 0, version, 0, 0, null);
  }

  static ModelSignal manual(String model, String requestId) {
    return new ModelSignal(Kind.MANUAL, model, 0, 0, 0, 0, 0, requestId);
  }

  /**
   * The signals of this one and {@code other} as one; both are of the same kind, model and (for
   * judgements) version.
   */
  ModelSignal plus(ModelSignal other) {
    return new ModelSignal(
        kind,
        model,
        newExamples + other.newExamples,
        firstSeen + other.firstSeen,
        version,
        judged + other.judged,
        correct + other.correct,
        requestId);
  }
}
