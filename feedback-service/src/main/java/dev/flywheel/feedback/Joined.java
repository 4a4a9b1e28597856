package dev.flywheel.feedback;

import dev.flywheel.events.PredictionLogged;

/**
 * Feedback after the join: with the prediction it refers to, or with none when the window closed
 * without it (and always none for a submitted example, which refers to no prediction).
 */
record Joined(Envelope envelope, PredictionLogged prediction) {}
