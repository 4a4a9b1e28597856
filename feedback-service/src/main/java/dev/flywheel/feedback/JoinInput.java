package dev.flywheel.feedback;

import dev.flywheel.events.PredictionLogged;

/** What {@link PredictionJoin} reads: a prediction or a feedback event, never both. */
record JoinInput(PredictionLogged prediction, Envelope feedback) {
  static JoinInput of(PredictionLogged prediction) {
    return new JoinInput(prediction, null);
  }

  static JoinInput of(Envelope feedback) {
    return new JoinInput(null, feedback);
  }
}
