package dev.flywheel.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class TriggerStateTest {

  @Test
  void shouldDropCountedFirstLabelsThatTheTrainedSnapshotHeldButKeepRelabels() {
    // 10 examples requested; then 4 first labels and 2 relabels counted.
    TriggerState state = TriggerState.INITIAL.withExamples(10, 10).requested(1).withExamples(4, 6);

    TriggerState after = state.trained(13); // the snapshot held 3 of the 4 new first labels

    assertThat(after.newExamples()).isEqualTo(3); // 1 first label + 2 relabels
    assertThat(after.newFirstSeen()).isEqualTo(1);
    assertThat(after.totalExamples()).isEqualTo(14);
    assertThat(after.trainedExamples()).isEqualTo(13);
  }

  @Test
  void shouldNotCountFirstLabelsThatATrainerAheadOfTheTriggerAlreadyTrained() {
    TriggerState state = TriggerState.INITIAL.withExamples(8, 8).requested(1).trained(10);

    TriggerState held = state.withExamples(2, 2);
    TriggerState beyond = held.withExamples(3, 3);

    assertThat(held.newExamples()).isZero();
    assertThat(held.totalExamples()).isEqualTo(10);
    assertThat(beyond.newExamples()).isEqualTo(3);
  }

  @Test
  void shouldIgnoreASnapshotNoLargerThanOneAlreadyTrained() {
    TriggerState state = TriggerState.INITIAL.trained(10).withExamples(12, 12);

    assertThat(state.trained(8)).isEqualTo(state);
    assertThat(state.newExamples()).isEqualTo(2);
  }

  @Test
  void shouldReadAStateThatAnEarlierVersionStored() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(1);
      out.writeLong(7); // newExamples
      out.writeLong(40); // totalExamples
      out.writeLong(1234); // lastRequestAt
      out.writeInt(3); // trackedVersion
      out.writeLong(20); // judged
      out.writeLong(15); // correct
    }

    TriggerState state = TriggerState.SERDE.deserializer().deserialize("t", bytes.toByteArray());

    assertThat(state).isEqualTo(new TriggerState(7, 40, 1234, 3, 20, 15, 0, 0));
    assertThat(state.trained(40).newExamples()).as("nothing provably trained").isEqualTo(7);
    byte[] again = TriggerState.SERDE.serializer().serialize("t", state);
    assertThat(TriggerState.SERDE.deserializer().deserialize("t", again)).isEqualTo(state);
  }
}
