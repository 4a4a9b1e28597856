package dev.flywheel.slm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HyperparametersTest {

  @ParameterizedTest
  @EnumSource(Architecture.class)
  void shouldHaveValidDefaultsThatRoundTripThroughAStringMap(Architecture architecture) {
    Hyperparameters h = Hyperparameters.defaults(architecture);
    assertThat(h.problems()).isEmpty();
    assertThat(Hyperparameters.fromMap(h.toMap())).isEqualTo(h);
  }

  @Test
  void shouldUseTheArchitecturesDefaultsForMissingKeys() {
    Hyperparameters h = Hyperparameters.fromMap(Map.of("architecture", "lstm", "epochs", "3"));
    assertThat(h.architecture()).isEqualTo(Architecture.LSTM);
    assertThat(h.maxVocab()).isEqualTo(30_000);
    assertThat(h.dropout()).isEqualTo(0.4f);
    assertThat(h.embeddingDim()).isEqualTo(50);
    assertThat(h.hiddenDim()).isEqualTo(128);
    assertThat(h.batchSize()).isEqualTo(32);
    assertThat(h.epochs()).isEqualTo(3);
  }

  @Test
  void shouldTakeCharacterTrigramsOnlyWhenAskedAndReadARecordedManifestWithoutThemAsBefore() {
    assertThat(Hyperparameters.fromMap(Map.of("architecture", "bag")).cjkNgrams()).isEqualTo(1);
    assertThat(Hyperparameters.fromMap(Map.of("architecture", "bag", "cjkNgrams", "3")).cjkNgrams())
        .isEqualTo(3);
    assertThat(Hyperparameters.fromRecorded(Map.of("architecture", "bag")).cjkNgrams())
        .isEqualTo(1);
    assertThat(
            Hyperparameters.fromRecorded(Map.of("architecture", "bag", "cjkNgrams", "3"))
                .cjkNgrams())
        .isEqualTo(3);
    assertThat(Hyperparameters.defaults(Architecture.LSTM).cjkNgrams()).isEqualTo(1);
  }

  @Test
  void shouldRefuseCharacterTrigramsOutsideTheBag() {
    assertThat(
            Hyperparameters.defaults()
                .withValues(Map.of("bigrams", "false", "cjkNgrams", "3"))
                .problems())
        .isEmpty();
    InvalidHyperparametersException lstm =
        catchThrowableOfType(
            InvalidHyperparametersException.class,
            () -> Hyperparameters.fromMap(Map.of("architecture", "lstm", "cjkNgrams", "4")));
    assertThat(lstm.problems())
        .contains(
            "cjkNgrams: must be in [1, 3]", "cjkNgrams: only the bag architecture uses n-grams");
  }

  @Test
  void shouldReportEveryProblemAtOnce() {
    InvalidHyperparametersException e =
        catchThrowableOfType(
            InvalidHyperparametersException.class,
            () ->
                Hyperparameters.fromMap(
                    Map.of(
                        "architecture", "transformer",
                        "epochs", "zero",
                        "learningRate", "-1",
                        "embeddingDim", "30",
                        "heads", "4",
                        "validationShare", "0.9",
                        "colour", "blue")));
    assertThat(e.problems())
        .hasSize(5)
        .anySatisfy(p -> assertThat(p).startsWith("epochs: not an integer"))
        .anySatisfy(p -> assertThat(p).startsWith("learningRate:"))
        .anySatisfy(p -> assertThat(p).startsWith("heads: must divide embeddingDim"))
        .anySatisfy(p -> assertThat(p).startsWith("validationShare:"))
        .anySatisfy(p -> assertThat(p).startsWith("colour: unknown hyperparameter"));
  }

  @Test
  void shouldRejectAnUnknownArchitecture() {
    InvalidHyperparametersException e =
        catchThrowableOfType(
            InvalidHyperparametersException.class,
            () -> Hyperparameters.fromMap(Map.of("architecture", "gpt")));
    assertThat(e.problems()).singleElement().asString().contains("unknown architecture 'gpt'");
  }

  @Test
  void shouldOverrideSelectedValues() {
    Hyperparameters h =
        Hyperparameters.defaults().withValues(Map.of("seed", "7", "bigrams", "false"));
    assertThat(h.seed()).isEqualTo(7L);
    assertThat(h.bigrams()).isFalse();
    assertThat(Hyperparameters.defaults().bigrams()).isTrue();
    assertThat(h.architecture()).isEqualTo(Architecture.BAG);
  }
}
